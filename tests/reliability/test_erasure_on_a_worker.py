"""Erasure against the real services: a real worker's in-memory gallery index forgets an erased person.

The worker builds its index while alice is enrolled and matches her; after ``DELETE /api/v1/me/biometrics/``
the same worker process (index still in memory) must no longer match her, and none of her files (photo,
rendered preview) remain.
"""

from pathlib import Path

import pytest

from gan.models import Preview, PreviewImage
from recognition.models import Face, Photo, Subject
from tests.integration.test_real_services import poll_job
from tests.recognition.conftest import BLAIR, SERENA, upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

API = "/api/v1/recognition"


def run(client, url: str, data: dict, timeout: float = 60) -> dict:
    response = client.post(url, data, format="multipart")
    assert response.status_code == 202, response.content
    body = poll_job(client, response["Location"], timeout=timeout)
    assert body["status"] == "succeeded", body
    return body["result"]


def test_erased_person_is_no_longer_identified_by_a_running_worker(celery_worker_process, client_alice,
                                                                   client_bob, client_staff, user):
    photo = run(client_alice, f"{API}/analyze/", {"image": upload(BLAIR[0])}, timeout=180)["photo_id"]
    alice = client_alice.post(f"{API}/subjects/", {"name": "me", "consent": True}, format="json").json()["id"]
    run(client_alice, f"{API}/subjects/{alice}/enroll/", {"photo_id": photo})
    bob = client_bob.post(f"{API}/subjects/", {"name": "serena", "consent": True}, format="json").json()["id"]
    run(client_bob, f"{API}/subjects/{bob}/enroll/", {"image": upload(SERENA[1])})
    before = run(client_staff, f"{API}/identify/", {"image": upload(BLAIR[2]), "scope": "all"})
    assert before["match"]["subject_id"] == alice and before["gallery_size"] == 2
    preview = client_alice.post("/api/v1/previews/", {"photo_id": photo, "items": [
        {"category": "lipstick", "shade": "#aa3344", "finish": "matte", "intensity": 0.8}]}, format="json")
    assert poll_job(client_alice, preview["Location"], timeout=120)["status"] == "succeeded"
    files = [Path(p.file.path) for p in Photo.objects.filter(owner=user)]
    files += [Path(i.file.path) for i in PreviewImage.objects.filter(preview__owner=user)]
    assert len(files) == 2 and all(f.is_file() for f in files)

    erased = client_alice.delete("/api/v1/me/biometrics/")
    assert erased.status_code == 200, erased.content
    assert erased.json() == {"photos": 1, "faces": 1, "subjects": 1, "jobs": 2, "previews": 1}

    after = run(client_staff, f"{API}/identify/", {"image": upload(BLAIR[2]), "scope": "all"})
    assert after["match"] is None and after["gallery_size"] == 1
    assert [c["subject_id"] for c in after["candidates"]] == [bob]
    assert not any(f.exists() for f in files)
    assert not Photo.objects.filter(owner=user).exists() and not Face.objects.filter(photo__owner=user).exists()
    assert not Subject.objects.filter(pk=alice).exists() and not Preview.objects.filter(owner=user).exists()
