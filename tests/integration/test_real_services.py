"""Against the real components: PostgreSQL, Redis as broker, and a separate `celery worker` process."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from beautyrec.core.models import Job
from beautyrec.recommender.models import CatalogImport, Product
from beautyrec.recommender.services.catalog import rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from tests.conftest import FIXTURES, require_services
from tests.core.test_api_basics import assert_error

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def poll_job(client, url: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    seen_statuses = []
    while time.monotonic() < deadline:
        body = client.get(url).json()
        seen_statuses.append(body["status"])
        if body["status"] in ("succeeded", "failed"):
            body["seen_statuses"] = seen_statuses
            return body
        time.sleep(0.2)
    pytest.fail(f"job did not finish in {timeout}s; statuses seen: {seen_statuses[-5:]}")


def test_health_with_postgres_and_redis(anon_client):
    require_services()
    body = anon_client.get("/api/v1/health/").json()
    assert body["checks"]["database"]["vendor"] == "postgresql"
    assert body["checks"]["broker"]["ok"] is True and body["checks"]["broker"]["transport"] == "redis"


def test_job_through_api_runs_on_a_real_worker(celery_worker_process, client_staff):
    csv_bytes = rows_to_csv(demo_rows(FIXTURES / "shared_subset"))
    response = client_staff.post("/api/v1/catalog/imports/",
                                 {"file": SimpleUploadedFile("demo.csv", csv_bytes, content_type="text/csv")},
                                 format="multipart")
    assert response.status_code == 202, response.content  # not eager: queued for the worker
    assert response.json()["status"] == "queued"
    body = poll_job(client_staff, response["Location"])
    assert body["status"] == "succeeded", body
    assert body["result"] == {"rows": 39, "created": 39, "updated": 0, "unchanged": 0}
    assert body["progress"] == 100
    assert Product.objects.count() == 39
    job = Job.objects.get(pk=body["id"])
    assert job.attempts == 1 and job.started_at is not None


def test_failing_job_on_a_real_worker_reports_its_code(celery_worker_process, client_staff):
    rows = demo_rows(FIXTURES / "shared_subset")
    rows[3]["category"] = "perfume"
    response = client_staff.post("/api/v1/catalog/imports/",
                                 {"file": SimpleUploadedFile("bad.csv", rows_to_csv(rows), content_type="text/csv")},
                                 format="multipart")
    body = poll_job(client_staff, response["Location"])
    assert body["status"] == "failed"
    assert body["error"]["code"] == "catalog_invalid"
    assert body["result"]["details"]["errors"][0]["line"] == 5
    assert Product.objects.count() == 0


def test_broker_down_answers_503_and_leaves_no_rows(client_staff, settings):
    require_services()
    from beautyrec.celery import app as celery_app

    good_url = celery_app.conf.broker_write_url
    celery_app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        upload = SimpleUploadedFile("demo.csv", rows_to_csv(demo_rows(FIXTURES / "shared_subset")))
        started = time.monotonic()
        response = client_staff.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart")
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.broker_write_url = good_url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    assert_error(response, 503, "broker_unavailable")
    assert elapsed < 15
    assert Job.objects.count() == 0 and CatalogImport.objects.count() == 0
