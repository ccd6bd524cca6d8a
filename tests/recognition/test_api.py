"""The recognition API end to end (eager jobs, real models, real photos): analyze, subjects, enroll, verify,
identify, their error codes, and the rule that other users' objects do not exist for you."""

import io
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from beautyrec.core.models import Job
from recognition.models import Face, Photo, Subject
from tests.conftest import token_client
from tests.core.test_api_basics import assert_error
from tests.recognition.conftest import BLAIR, POWELL, SERENA, side_by_side, upload, upload_array

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/recognition"


def succeeded(response) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "succeeded", body
    return body["result"]


def analyze(client, post_job, path: Path) -> dict:
    return succeeded(post_job(client, f"{API}/analyze/", {"image": upload(path)}))


def new_subject(client, name: str) -> str:
    response = client.post(f"{API}/subjects/", {"name": name, "consent": True}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def enroll(client, post_job, subject_id: str, data: dict) -> dict:
    return succeeded(post_job(client, f"{API}/subjects/{subject_id}/enroll/", data))


def test_analyze_reports_every_face_largest_first(client_alice, post_job, user):
    pixels = side_by_side(POWELL[0], SERENA[0])
    result = succeeded(post_job(client_alice, f"{API}/analyze/", {"image": upload_array(pixels)}))
    faces = result["faces"]
    assert [f["index"] for f in faces] == [0, 1]
    areas = [(f["box"]["right"] - f["box"]["left"]) * (f["box"]["bottom"] - f["box"]["top"]) for f in faces]
    assert areas[0] >= areas[1]
    lefts = sorted(f["box"]["left"] for f in faces)
    assert lefts[0] < 150 < lefts[1]  # one face in each half
    for face in faces:
        assert face["landmark_points"] == 68 and len(face["landmarks"]) == 68 and len(face["landmarks5"]) == 5
        assert face["detector"] == "hog" and face["detection_score"] > 0
        assert 0 < face["quality"] <= 1 and set(face["quality_details"]) >= {"size", "sharpness", "pose"}
        assert {"age", "gender", "skin", "undertone", "face_shape"} <= face["attributes"].keys()
        assert face["attributes"]["model_version"] == "attribute_heads:utkface-mlp-v2"
        xs = [p[0] for p in face["landmarks"]]
        assert face["box"]["left"] - 15 < min(xs) and max(xs) < face["box"]["right"] + 15
    assert (result["width"], result["height"]) == (pixels.shape[1], pixels.shape[0])
    assert result["embedding_model"] == "embedding:dlib-resnet-v1"
    photo = Photo.objects.get(pk=result["photo_id"])
    assert photo.owner == user and photo.face_count == 2
    for face in Face.objects.filter(photo=photo):
        assert (face.embedding, face.embedding_model_version) == (None, None)  # no consent record covers one
        assert face.attributes_model_version.kind == "attribute_heads"


def test_exif_orientation_is_applied_and_metadata_dropped(client_alice, post_job):
    upright = side_by_side(BLAIR[0], POWELL[0])  # 320 x 150
    stored_sideways = Image.fromarray(np.rot90(upright))  # what a phone writes with orientation 6
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored_sideways.save(buf, format="JPEG", quality=95, exif=exif.tobytes())
    result = succeeded(post_job(client_alice, f"{API}/analyze/",
                                {"image": SimpleUploadedFile("phone.jpg", buf.getvalue())}))
    assert (result["width"], result["height"]) == (320, 150)
    assert len(result["faces"]) == 2
    with Photo.objects.get(pk=result["photo_id"]).file.open("rb") as fh:
        stored = Image.open(io.BytesIO(fh.read()))
        assert stored.size == (320, 150) and not stored.getexif()


def test_no_face_is_422_with_the_job(client_alice, post_job):
    flat = np.full((200, 200, 3), 128, np.uint8)
    error = assert_error(post_job(client_alice, f"{API}/analyze/", {"image": upload_array(flat)}), 422, "no_face")
    assert error["details"]["job"]["status"] == "failed"
    job = Job.objects.get(pk=error["details"]["job"]["id"])
    assert (job.error_code, job.kind) == ("no_face", "face_analyze")


def test_unreadable_image_is_refused_before_any_job(client_alice, post_job):
    bad = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    assert_error(post_job(client_alice, f"{API}/analyze/", {"image": bad}), 422, "image_unreadable")
    assert Job.objects.count() == 0 and Photo.objects.count() == 0


def test_request_shape_errors(client_alice, post_job):
    assert_error(post_job(client_alice, f"{API}/analyze/", {}), 400, "invalid")
    assert_error(post_job(client_alice, f"{API}/identify/", {"image": upload(BLAIR[0]), "top_k": 0}), 400, "invalid")
    both = {"image": upload(BLAIR[0]), "subject_id": "00000000-0000-0000-0000-000000000000",
            "image2": upload(BLAIR[1])}
    assert_error(post_job(client_alice, f"{API}/verify/", both), 400, "invalid")
    assert Photo.objects.count() == 0


def test_face_too_small_and_face_index_out_of_range(client_alice, post_job, settings):
    photo_id = analyze(client_alice, post_job, BLAIR[0])["photo_id"]
    error = assert_error(post_job(client_alice, f"{API}/identify/", {"photo_id": photo_id, "face_index": 3}),
                         422, "face_index_out_of_range")
    assert error["details"]["job"]["result"]["details"] == {"faces": 1}
    settings.RECOGNITION_MIN_FACE_PX = 100  # the face is about 62 px wide
    error = assert_error(post_job(client_alice, f"{API}/identify/", {"photo_id": photo_id}), 422, "face_too_small")
    assert error["details"]["job"]["result"]["details"]["min_px"] == 100
    assert_error(post_job(client_alice, f"{API}/analyze/", {"photo_id": photo_id}), 422, "face_too_small")


def test_subject_crud_and_privacy(client_alice, client_bob, user, other_user):
    for refused in ({"name": "Tony", "consent": False}, {"name": "Tony"}):
        assert_error(client_alice.post(f"{API}/subjects/", refused, format="json"), 409, "consent_required")
    assert not Subject.objects.exists()
    subject_id = new_subject(client_alice, "Tony")
    body = client_alice.get(f"{API}/subjects/{subject_id}/").json()
    assert (body["name"], body["consent"], body["enrolled"]) == ("Tony", True, False) and body["consent_at"]
    body = client_alice.patch(f"{API}/subjects/{subject_id}/", {"name": "Tony B", "consent": False,
                                                                  "user_id": user.pk}, format="json").json()
    assert (body["name"], body["consent"], body["consent_at"], body["user_id"]) == ("Tony B", False, None, user.pk)
    assert_error(client_alice.patch(f"{API}/subjects/{subject_id}/", {"user_id": other_user.pk}, format="json"),
                 400, "invalid_subject_user")
    assert client_alice.get(f"{API}/subjects/").json()["count"] == 1
    assert client_bob.get(f"{API}/subjects/").json()["count"] == 0
    for method in ("get", "patch", "delete"):
        assert_error(getattr(client_bob, method)(f"{API}/subjects/{subject_id}/"), 404, "subject_not_found")
    assert_error(client_alice.get(f"{API}/subjects/not-a-uuid/"), 404, "subject_not_found")
    assert client_alice.delete(f"{API}/subjects/{subject_id}/").status_code == 204
    assert not Subject.objects.exists()


def test_enroll_needs_consent_and_builds_the_template(client_alice, post_job):
    subject_id = new_subject(client_alice, "Tony")
    client_alice.patch(f"{API}/subjects/{subject_id}/", {"consent": False}, format="json")
    assert_error(post_job(client_alice, f"{API}/subjects/{subject_id}/enroll/", {"image": upload(BLAIR[0])}),
                 409, "consent_required")
    assert Photo.objects.count() == 0
    client_alice.patch(f"{API}/subjects/{subject_id}/", {"consent": True}, format="json")
    first = enroll(client_alice, post_job, subject_id, {"image": upload(BLAIR[0])})
    second = enroll(client_alice, post_job, subject_id, {"image": upload(BLAIR[1])})
    assert (first["enrolled_faces"], second["enrolled_faces"]) == (1, 2)
    again = enroll(client_alice, post_job, subject_id, {"photo_id": second["photo_id"]})  # idempotent
    assert again["enrolled_faces"] == 2 and again["face_id"] == second["face_id"]
    subject = Subject.objects.get(pk=subject_id)
    faces = [f.vector for f in Face.objects.filter(subject=subject)]
    expected = np.mean(faces, axis=0) / np.linalg.norm(np.mean(faces, axis=0))
    assert np.allclose(np.frombuffer(subject.template, "<f4"), expected, atol=1e-6)
    assert client_alice.get(f"{API}/subjects/{subject_id}/").json()["enrolled_faces"] == 2


def test_verify_against_a_subject_and_between_images(client_alice, post_job):
    subject_id = new_subject(client_alice, "Tony")
    enroll(client_alice, post_job, subject_id, {"image": upload(BLAIR[0])})
    same = succeeded(post_job(client_alice, f"{API}/verify/", {"image": upload(BLAIR[2]), "subject_id": subject_id}))
    other = succeeded(post_job(client_alice, f"{API}/verify/", {"image": upload(SERENA[0]), "subject_id": subject_id}))
    assert same["match"] is True and other["match"] is False
    assert same["similarity"] > same["threshold"] > other["similarity"]
    assert same["against"] == {"subject_id": subject_id}
    pair = succeeded(post_job(client_alice, f"{API}/verify/",
                              {"image": upload(POWELL[0]), "image2": upload(POWELL[1])}))
    assert pair["match"] is True and pair["against"]["face_index"] == 0
    mixed = succeeded(post_job(client_alice, f"{API}/verify/", {"photo_id": pair["photo_id"],
                                                                "photo_id2": other["photo_id"]}))
    assert mixed["match"] is False
    empty = new_subject(client_alice, "Nobody")
    assert_error(post_job(client_alice, f"{API}/verify/", {"photo_id": pair["photo_id"], "subject_id": empty}),
                 422, "subject_not_enrolled")


def test_identify_own_gallery_and_the_whole_gallery(client_alice, client_bob, client_staff, post_job,
                                                    django_user_model, settings):
    blair, powell = new_subject(client_alice, "Tony"), new_subject(client_alice, "Colin")
    enroll(client_alice, post_job, blair, {"image": upload(BLAIR[2])})
    enroll(client_alice, post_job, powell, {"image": upload(POWELL[0])})
    result = succeeded(post_job(client_alice, f"{API}/identify/", {"image": upload(BLAIR[1]), "top_k": 2}))
    assert [c["subject_id"] for c in result["candidates"]] == [blair, powell]
    assert result["match"]["subject_id"] == blair and result["scope"] == "own" and result["gallery_size"] == 2
    assert result["threshold"] == settings.RECOGNITION_IDENTIFY_SCORE_THRESHOLD
    # Ranked and decided on the normalised score; the same person stands far above the cohort, the other not.
    best, other = result["candidates"]
    assert best["score"] >= result["threshold"] > other["score"] and best["similarity"] > other["similarity"]
    settings.RECOGNITION_IDENTIFY_SCORE_THRESHOLD = best["score"] + 0.01  # stricter: ranked, not matched
    strict = succeeded(post_job(client_alice, f"{API}/identify/", {"photo_id": result["photo_id"]}))
    assert strict["candidates"][0]["subject_id"] == blair and strict["match"] is None
    settings.RECOGNITION_IDENTIFY_SCORE_THRESHOLD = result["threshold"]
    stranger = succeeded(post_job(client_alice, f"{API}/identify/", {"image": upload(SERENA[1])}))
    assert stranger["match"] is None and all(not c["match"] for c in stranger["candidates"])

    probe = {"image": upload(BLAIR[0])}
    assert succeeded(post_job(client_bob, f"{API}/identify/", probe))["candidates"] == []  # bob's gallery is empty
    assert_error(post_job(client_bob, f"{API}/identify/", {"image": upload(BLAIR[0]), "scope": "all"}),
                 403, "gallery_permission_required")
    staff = succeeded(post_job(client_staff, f"{API}/identify/", {"image": upload(BLAIR[0]), "scope": "all"}))
    assert staff["match"]["subject_id"] == blair and staff["gallery_size"] == 2
    kiosk = django_user_model.objects.create_user("kiosk", password="kiosk-pass-123")
    kiosk.user_permissions.add(Permission.objects.get(codename="identify_gallery"))
    found = succeeded(post_job(token_client(kiosk), f"{API}/identify/", {"image": upload(BLAIR[0]), "scope": "all"}))
    assert found["match"]["subject_id"] == blair


def test_other_users_photos_do_not_exist_for_you(client_alice, client_bob, post_job):
    photo_id = analyze(client_alice, post_job, BLAIR[0])["photo_id"]
    for url, data in ((f"{API}/analyze/", {"photo_id": photo_id}), (f"{API}/identify/", {"photo_id": photo_id}),
                      (f"{API}/verify/", {"image": upload(BLAIR[1]), "photo_id2": photo_id})):
        assert_error(post_job(client_bob, url, data), 404, "photo_not_found")
    assert_error(client_bob.get(f"{API}/photos/{photo_id}/"), 404, "photo_not_found")
    assert_error(client_bob.delete(f"{API}/photos/{photo_id}/"), 404, "photo_not_found")
    bob_subject = new_subject(client_bob, "Tony?")
    assert_error(post_job(client_bob, f"{API}/subjects/{bob_subject}/enroll/", {"photo_id": photo_id}),
                 404, "photo_not_found")
    alice_subject = new_subject(client_alice, "Tony")
    assert_error(post_job(client_bob, f"{API}/subjects/{alice_subject}/enroll/", {"image": upload(BLAIR[1])}),
                 404, "subject_not_found")
    assert_error(post_job(client_bob, f"{API}/verify/", {"image": upload(BLAIR[1]), "subject_id": alice_subject}),
                 404, "subject_not_found")
    assert Photo.objects.filter(owner__username="bob").count() == 0  # nothing was left behind


def test_photo_detail_and_delete(client_alice, post_job):
    photo_id = analyze(client_alice, post_job, SERENA[0])["photo_id"]
    body = client_alice.get(f"{API}/photos/{photo_id}/").json()
    assert body["face_count"] == 1 and body["faces"][0]["index"] == 0
    name = Photo.objects.get(pk=photo_id).file.name
    assert default_storage.exists(name)
    assert client_alice.delete(f"{API}/photos/{photo_id}/").status_code == 204
    assert not default_storage.exists(name) and not Face.objects.exists()


def test_withdrawing_consent_removes_the_subject_from_search(client_alice, post_job):
    subject_id = new_subject(client_alice, "Tony")
    enrolled = enroll(client_alice, post_job, subject_id, {"image": upload(BLAIR[2])})
    probe = analyze(client_alice, post_job, BLAIR[0])["photo_id"]
    assert succeeded(post_job(client_alice, f"{API}/identify/", {"photo_id": probe}))["match"]
    client_alice.patch(f"{API}/subjects/{subject_id}/", {"consent": False}, format="json")
    assert Face.objects.get(pk=enrolled["face_id"]).embedding is None
    assert Subject.objects.get(pk=subject_id).template is None
    result = succeeded(post_job(client_alice, f"{API}/identify/", {"photo_id": probe}))
    assert result["candidates"] == [] and result["gallery_size"] == 0


def test_idempotency_key_returns_the_same_job_and_keeps_one_photo(client_alice, post_job):
    first = post_job(client_alice, f"{API}/analyze/", {"image": upload(SERENA[1])}, HTTP_IDEMPOTENCY_KEY="k-1")
    second = post_job(client_alice, f"{API}/analyze/", {"image": upload(SERENA[1])}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.json()["id"] == second.json()["id"]
    assert Photo.objects.count() == 1 and Job.objects.count() == 1
