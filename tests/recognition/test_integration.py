"""Recognition jobs on a real Celery worker process, with PostgreSQL and Redis (run by `make test`)."""

import numpy as np
import pytest

from tests.integration.test_real_services import poll_job
from tests.recognition.conftest import BLAIR, SERENA, upload, upload_array

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

API = "/api/v1/recognition"


def run(client, url: str, data: dict, timeout: float = 60) -> dict:
    response = client.post(url, data, format="multipart")
    assert response.status_code == 202, response.content  # queued for the worker, not run in the request
    return poll_job(client, response["Location"], timeout=timeout)


def test_analyze_enroll_and_identify_on_a_real_worker(celery_worker_process, client_alice):
    body = run(client_alice, f"{API}/analyze/", {"image": upload(BLAIR[2])}, timeout=180)  # loads the models
    assert body["status"] == "succeeded", body
    faces = body["result"]["faces"]
    assert len(faces) == 1 and len(faces[0]["landmarks"]) == 68
    assert 40 < faces[0]["box"]["right"] - faces[0]["box"]["left"] < 80  # a ~62 px face in a 150 px image

    # The worker builds its gallery index on this first search, while the gallery is still empty...
    assert run(client_alice, f"{API}/identify/", {"image": upload(BLAIR[1])})["result"]["gallery_size"] == 0
    subject = client_alice.post(f"{API}/subjects/", {"name": "Tony", "consent": True}, format="json").json()["id"]
    enrolled = run(client_alice, f"{API}/subjects/{subject}/enroll/", {"photo_id": body["result"]["photo_id"]})
    assert enrolled["result"]["enrolled_faces"] == 1
    # ...and must catch up with the enrollment made by another job.
    for probe, expected in ((BLAIR[0], subject), (SERENA[0], None)):
        result = run(client_alice, f"{API}/identify/", {"image": upload(probe)})["result"]
        assert (result["match"] or {}).get("subject_id") == expected, result
        assert result["gallery_size"] == 1


def test_no_face_fails_the_job_with_its_code_on_a_real_worker(celery_worker_process, client_alice):
    body = run(client_alice, f"{API}/analyze/", {"image": upload_array(np.full((120, 120, 3), 90, np.uint8))},
               timeout=180)
    assert body["status"] == "failed" and body["error"]["code"] == "no_face"
