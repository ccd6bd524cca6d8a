"""Authorization and biometric privacy: other users' objects do not exist for you (404, never 403), the whole
gallery needs a staff or kiosk permission, nothing biometric exists without consent, and erasure (API, admin
action) and retention remove rows and files through the one deletion path."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from beautyrec.celery import app as celery_app
from beautyrec.core.models import Job
from recognition.models import Face, Photo, Subject
from recognition.services.retention import expire_photos
from recognition.tasks import expire_photos as expire_photos_task
from tests.conftest import token_client
from tests.core.test_api_basics import assert_error
from tests.recognition.conftest import BLAIR, POWELL, SERENA, upload
from tests.reliability.conftest import media_files, stored

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/recognition"


def run(client, url: str, data: dict, **extra) -> dict:
    response = client.post(f"{url}?wait=10", data, format="multipart", **extra)
    assert response.status_code == 200 and response.json()["status"] == "succeeded", response.content
    return response.json()


def subject(client, name: str) -> str:
    response = client.post(f"{API}/subjects/", {"name": name, "consent": True}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def alice_data(client_alice) -> dict:
    """Alice's photo (analysed), a consented subject with one enrolled face, and her jobs."""
    analysed = run(client_alice, f"{API}/analyze/", {"image": upload(BLAIR[0])}, HTTP_IDEMPOTENCY_KEY="shared-key")
    subject_id = subject(client_alice, "Tony")
    enrolled = run(client_alice, f"{API}/subjects/{subject_id}/enroll/", {"photo_id": analysed["result"]["photo_id"]})
    return {"photo": analysed["result"]["photo_id"], "subject": subject_id, "job": analysed["id"],
            "enroll_job": enrolled["id"], "face": enrolled["result"]["face_id"]}


def test_other_users_objects_answer_404_for_every_operation(client_alice, client_bob, alice_data):
    photo, subject_id, job = alice_data["photo"], alice_data["subject"], alice_data["job"]
    before = stored()
    requests = [
        ("get", f"{API}/photos/{photo}/", None, "photo_not_found"),
        ("delete", f"{API}/photos/{photo}/", None, "photo_not_found"),
        ("get", f"{API}/subjects/{subject_id}/", None, "subject_not_found"),
        ("patch", f"{API}/subjects/{subject_id}/", {"name": "mine now"}, "subject_not_found"),
        ("patch", f"{API}/subjects/{subject_id}/", {"consent": False}, "subject_not_found"),
        ("delete", f"{API}/subjects/{subject_id}/", None, "subject_not_found"),
        ("post", f"{API}/subjects/{subject_id}/enroll/", {"image": upload(POWELL[0])}, "subject_not_found"),
        ("post", f"{API}/verify/", {"image": upload(BLAIR[1]), "subject_id": subject_id}, "subject_not_found"),
        ("post", f"{API}/analyze/", {"photo_id": photo}, "photo_not_found"),
        ("post", f"{API}/identify/", {"photo_id": photo}, "photo_not_found"),
        ("post", f"{API}/verify/", {"photo_id": photo, "image2": upload(BLAIR[1])}, "photo_not_found"),
        ("post", f"{API}/verify/", {"image": upload(BLAIR[1]), "photo_id2": photo}, "photo_not_found"),
        ("get", f"/api/v1/jobs/{job}/", None, "job_not_found"),
        ("get", f"/api/v1/jobs/{alice_data['enroll_job']}/", None, "job_not_found"),
    ]
    for method, url, data, code in requests:
        kwargs = {"format": "multipart" if method == "post" else "json"} if data is not None else {}
        response = getattr(client_bob, method)(url, data, **kwargs) if data is not None \
            else getattr(client_bob, method)(url)
        assert_error(response, 404, code)
    bob_subject = subject(client_bob, "someone")
    assert_error(client_bob.post(f"{API}/subjects/{bob_subject}/enroll/?wait=5", {"photo_id": photo},
                                 format="multipart"), 404, "photo_not_found")
    # Lists hold only your own objects.
    assert client_bob.get("/api/v1/jobs/").json()["count"] == 0
    assert [s["id"] for s in client_bob.get(f"{API}/subjects/").json()["results"]] == [bob_subject]
    # Alice's data is untouched, and she still sees it all.
    assert stored() == {**before, "subjects": before["subjects"] + 1}
    assert client_alice.get(f"{API}/photos/{photo}/").json()["faces"][0]["id"] == alice_data["face"]
    body = client_alice.get(f"{API}/subjects/{subject_id}/").json()
    assert (body["name"], body["consent"], body["enrolled_faces"]) == ("Tony", True, 1)
    assert client_alice.get("/api/v1/jobs/").json()["count"] == 2


def test_an_idempotency_key_is_private_to_its_owner(client_bob, alice_data, other_user):
    """Bob reusing alice's key gets a job of his own, never hers (and never her result)."""
    response = run(client_bob, f"{API}/analyze/", {"image": upload(SERENA[0])}, HTTP_IDEMPOTENCY_KEY="shared-key")
    assert response["id"] != alice_data["job"]
    assert Job.objects.get(pk=response["id"]).owner == other_user
    assert Photo.objects.get(pk=response["result"]["photo_id"]).owner == other_user


def test_whole_gallery_identify_needs_staff_or_the_kiosk_permission(client_bob, client_staff, alice_data,
                                                                    django_user_model):
    before = stored()
    response = client_bob.post(f"{API}/identify/?wait=10", {"image": upload(BLAIR[2]), "scope": "all"},
                               format="multipart")
    assert_error(response, 403, "gallery_permission_required")
    assert stored() == before  # refused before the probe photo was stored
    own = run(client_bob, f"{API}/identify/", {"image": upload(BLAIR[2])})["result"]
    assert own["candidates"] == [] and own["gallery_size"] == 0  # bob's own gallery is empty
    kiosk = django_user_model.objects.create_user("kiosk", password="kiosk-pass-123")
    kiosk.user_permissions.add(Permission.objects.get(codename="identify_gallery"))
    for client in (client_staff, token_client(kiosk)):
        result = run(client, f"{API}/identify/", {"image": upload(BLAIR[2]), "scope": "all"})["result"]
        assert result["match"]["subject_id"] == alice_data["subject"]


def stored_embeddings() -> list[int]:
    return sorted(Face.objects.filter(embedding__isnull=False).values_list("pk", flat=True))


def test_no_embedding_or_subject_without_a_consent_record(client_alice):
    for refused in ({"name": "no consent", "consent": False}, {"name": "not asked"}):
        assert_error(client_alice.post(f"{API}/subjects/", refused, format="json"), 409, "consent_required")
    assert not Subject.objects.exists()

    # Analysis, verification and identification compute embeddings in memory and store none.
    probe = run(client_alice, f"{API}/analyze/", {"image": upload(BLAIR[2])})["result"]["photo_id"]
    same = run(client_alice, f"{API}/analyze/", {"image": upload(BLAIR[1])})["result"]["photo_id"]
    verified = run(client_alice, f"{API}/verify/", {"photo_id": probe, "photo_id2": same})["result"]
    assert verified["match"] is True and verified["similarity"] > 0.9
    assert run(client_alice, f"{API}/identify/", {"photo_id": probe})["result"]["candidates"] == []
    assert Face.objects.count() == 2 and stored_embeddings() == []

    # A consent record: the subject, and the embedding of the one face enrolled in it.
    subject_id = subject(client_alice, "Tony")
    assert Subject.objects.get(pk=subject_id).consent_at is not None
    enrolled = run(client_alice, f"{API}/subjects/{subject_id}/enroll/", {"image": upload(BLAIR[0])})
    assert stored_embeddings() == [enrolled["result"]["face_id"]]
    assert run(client_alice, f"{API}/identify/", {"photo_id": probe})["result"]["match"]["subject_id"] == subject_id

    withdrawn = client_alice.patch(f"{API}/subjects/{subject_id}/", {"consent": False}, format="json").json()
    assert (withdrawn["consent"], withdrawn["consent_at"], withdrawn["enrolled"]) == (False, None, False)
    row = Subject.objects.get(pk=subject_id)
    assert row.template is None and not Face.objects.filter(subject=row).exists()
    assert stored_embeddings() == []  # the enrolled face's embedding went with the consent
    response = client_alice.post(f"{API}/subjects/{subject_id}/enroll/?wait=10", {"photo_id": probe}, format="json")
    assert_error(response, 409, "consent_required")
    result = run(client_alice, f"{API}/identify/", {"photo_id": probe})["result"]
    assert result["candidates"] == [] and result["gallery_size"] == 0


def test_admin_action_erases_a_users_biometrics(client_alice, client_bob, alice_data, user, django_user_model):
    bob_photo = run(client_bob, f"{API}/analyze/", {"image": upload(SERENA[0])})["result"]["photo_id"]
    alice_files = [Path(p.file.path) for p in Photo.objects.filter(owner=user)]
    assert alice_files and all(f.is_file() for f in alice_files)
    django_user_model.objects.create_superuser("root", password="root-pass-123")
    admin = Client()
    assert admin.login(username="root", password="root-pass-123")
    response = admin.post("/admin/auth/user/", {"action": "erase_biometric_data", "_selected_action": [user.pk]},
                          follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "alice: erased 1 faces, 2 jobs, 1 photos, 0 previews, 1 subjects"]
    assert not any(f.exists() for f in alice_files)
    assert not Photo.objects.filter(owner=user).exists() and not Subject.objects.filter(owner=user).exists()
    assert not Job.objects.filter(owner=user).exists()
    assert Photo.objects.filter(pk=bob_photo).exists() and len(media_files()) == 1  # bob's stays


def test_admin_action_needs_the_delete_permission(alice_data, user, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="clerk-pass-123", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_user"),
                               Permission.objects.get(codename="change_user"))
    admin = Client()
    assert admin.login(username="clerk", password="clerk-pass-123")
    admin.post("/admin/auth/user/", {"action": "erase_biometric_data", "_selected_action": [user.pk]})
    assert Photo.objects.filter(owner=user).count() == 1 and Subject.objects.filter(owner=user).count() == 1


def age(model, pk, days: float) -> None:
    model.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(days=days))


def test_retention_deletes_expired_photos_faces_files_and_jobs(client_alice, client_bob, alice_data, settings):
    settings.PHOTO_RETENTION_DAYS = 30
    old = run(client_bob, f"{API}/analyze/", {"image": upload(SERENA[0])})
    recent = run(client_bob, f"{API}/analyze/", {"image": upload(SERENA[1])})["result"]["photo_id"]
    old_photo = Photo.objects.get(pk=old["result"]["photo_id"])
    old_file = Path(old_photo.file.path)
    for model, pk in ((Photo, old_photo.pk), (Job, old["id"]), (Photo, alice_data["photo"]),
                      (Job, alice_data["job"])):
        age(model, pk, 31)
    assert expire_photos() == {"photos": 1, "jobs": 2}
    assert not Photo.objects.filter(pk=old_photo.pk).exists() and not old_file.exists()
    assert not Face.objects.filter(photo_id=old_photo.pk).exists()
    assert not Job.objects.filter(pk__in=[old["id"], alice_data["job"]]).exists()
    assert Photo.objects.filter(pk=recent).exists()
    # Alice's old photo holds her consented gallery face: kept, and identification still finds her.
    assert Photo.objects.filter(pk=alice_data["photo"]).exists()
    assert Subject.objects.get(pk=alice_data["subject"]).template is not None
    assert len(media_files()) == 2
    assert expire_photos(days=0) == {"photos": 0, "jobs": 0}  # 0 keeps everything
    age(Photo, recent, 2)
    assert expire_photos(days=1)["photos"] == 1 and len(media_files()) == 1


def test_retention_runs_as_a_beat_task_on_the_cpu_queue(client_bob, settings):
    job = run(client_bob, f"{API}/analyze/", {"image": upload(POWELL[0])})
    age(Photo, job["result"]["photo_id"], settings.PHOTO_RETENTION_DAYS + 1)
    age(Job, job["id"], settings.PHOTO_RETENTION_DAYS + 1)
    entry = settings.CELERY_BEAT_SCHEDULE["recognition-expire-photos"]
    assert entry["task"] == expire_photos_task.name == "recognition.expire_photos"
    assert celery_app.amqp.router.route({}, entry["task"])["queue"].name == "cpu"
    assert expire_photos_task.apply().get() == {"photos": 1, "jobs": 1}
    assert stored()["photos"] == 0 and media_files() == []
