"""The demo client against the real services: PostgreSQL, Redis and a Celery worker process, so the page
follows jobs (analysis, then the previews) really queued and running elsewhere (unit browser tests run them
eagerly)."""

import pytest

from beautyrec.core.models import Job
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from recognition.models import Face
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PASSWORD = "demo-pass-123"


def test_page_follows_a_worker_job_to_its_result(page, live_server, celery_worker_process, django_user_model,
                                                 test_output):
    user = django_user_model.objects.create_user("demo", password=PASSWORD)
    import_catalog(content=rows_to_csv(demo_rows(FIXTURES / "shared_subset")), filename="sample.csv")
    page.goto(live_server.url + "/")
    page.fill("#password", PASSWORD)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#selfie:not([hidden])")
    page.set_input_files("#selfie-file", str(FIXTURES / "obama.jpg"))
    page.wait_for_selector("#analysis:not([hidden])", timeout=180_000)
    seen = set(page.get_attribute("#analysis-progress", "data-seen").split())
    assert "succeeded" in seen and seen & {"queued", "running"}  # polled while the worker had it
    job = Job.objects.get(owner=user, kind="face_analyze")
    assert (job.status, job.attempts) == ("succeeded", 1)
    face = Face.objects.get(photo__owner=user, index=0)
    assert page.get_attribute("[data-attr=monk] [data-monk]", "data-monk") == str(face.attributes["skin"]["monk"])
    # The previews of the six recommended products: one preview job on the worker's gpu queue, followed live.
    page.wait_for_function("document.querySelectorAll('.rec-card[data-preview=ready]').length === 6",
                           timeout=180_000)
    seen = set(page.get_attribute("#recommendations-progress", "data-seen").split())
    assert "succeeded" in seen and seen & {"queued", "running"}
    preview_job = Job.objects.get(owner=user, kind="preview")
    assert (preview_job.status, preview_job.progress, len(preview_job.result["images"])) == ("succeeded", 100, 6)
    page.screenshot(path=str(test_output / "e2e-worker.png"), full_page=True)
