"""DELETE /api/v1/me/biometrics/ erases a person's photos, files, faces, embeddings, subjects and jobs."""

import pytest
from django.core.files.storage import default_storage

from beautyrec.core.errors import NotFound
from beautyrec.core.models import Job
from recognition.models import Face, Photo, Subject
from recognition.services.jobs import ImageInput, run_analyze, start_analyze
from tests.recognition.conftest import BLAIR, SERENA, upload
from tests.recognition.test_api import API, enroll, new_subject, succeeded

pytestmark = pytest.mark.django_db(transaction=True)


def test_erasure_removes_everything_biometric_about_the_user(client_alice, client_bob, client_staff, post_job, user):
    own = new_subject(client_alice, "me")
    alice_photo = enroll(client_alice, post_job, own, {"image": upload(BLAIR[0])})["photo_id"]
    # Staff keep a subject linked to alice, and enrolled one of alice's photos into an unlinked one.
    linked = client_staff.post(f"{API}/subjects/", {"name": "alice", "consent": True, "user_id": user.pk},
                               format="json").json()["id"]
    enroll(client_staff, post_job, linked, {"image": upload(BLAIR[1])})
    unlinked = new_subject(client_staff, "unknown")
    enroll(client_staff, post_job, unlinked, {"photo_id": alice_photo})
    bob_subject = new_subject(client_bob, "serena")
    enroll(client_bob, post_job, bob_subject, {"image": upload(SERENA[1])})
    files = [p.file.name for p in Photo.objects.filter(owner=user)]
    assert files and all(default_storage.exists(f) for f in files)
    assert succeeded(post_job(client_staff, f"{API}/identify/", {"image": upload(BLAIR[2]), "scope": "all"}))["match"]

    response = client_alice.delete("/api/v1/me/biometrics/")
    assert response.status_code == 200, response.content
    assert response.json() == {"photos": 1, "faces": 1, "subjects": 2, "jobs": 1, "previews": 0}
    assert not any(default_storage.exists(f) for f in files)
    assert not Photo.objects.filter(owner=user).exists() and not Face.objects.filter(photo__owner=user).exists()
    assert not Subject.objects.filter(pk__in=[own, linked]).exists()
    staff_unlinked = Subject.objects.get(pk=unlinked)
    assert staff_unlinked.template is None  # its only face was alice's
    assert not Job.objects.filter(owner=user).exists()
    assert Subject.objects.get(pk=bob_subject).template is not None  # other people's data stays
    result = succeeded(post_job(client_staff, f"{API}/identify/", {"image": upload(BLAIR[2]), "scope": "all"}))
    assert [c["subject_id"] for c in result["candidates"]] == [bob_subject] and result["match"] is None
    assert client_alice.delete("/api/v1/me/biometrics/").json() == {"photos": 0, "faces": 0, "subjects": 0,
                                                                    "jobs": 0, "previews": 0}


def test_erasure_needs_authentication(anon_client):
    assert anon_client.delete("/api/v1/me/biometrics/").status_code == 401


def test_a_redelivered_job_of_an_erased_photo_fails_with_a_code(user):
    job = start_analyze(user=user, source=ImageInput(image=upload(SERENA[0])))
    Photo.objects.all().delete()
    with pytest.raises(NotFound) as raised:
        run_analyze(job, lambda *args, **kwargs: None)
    assert raised.value.code == "photo_not_found"
