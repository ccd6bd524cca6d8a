"""The demo client against the real services: PostgreSQL, Redis and a Celery worker process, so the page
follows a job that is really queued and running elsewhere (the unit browser tests run jobs eagerly)."""

import pytest

from beautyrec.core.models import Job
from recognition.models import Face
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PASSWORD = "demo-pass-123"


def test_page_follows_a_worker_job_to_its_result(page, live_server, celery_worker_process, django_user_model,
                                                 test_output):
    user = django_user_model.objects.create_user("demo", password=PASSWORD)
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
    page.screenshot(path=str(test_output / "e2e-worker.png"), full_page=True)
