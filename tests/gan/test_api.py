"""The previews API end to end (eager jobs, real models, real photos): products and explicit shades, combined
looks, reference looks, per-item progress, ownership, deletion, retention, erasure and the error codes."""

import io
import json
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from beautyrec.core import colour
from beautyrec.core.models import Job
from beautyrec.recommender.models import Product
from gan.ml import renderer
from gan.models import Preview, PreviewImage
from gan.services import previews
from gan.tasks import purge_expired_previews
from recognition.models import Photo
from tests.conftest import FIXTURES
from tests.core.test_api_basics import assert_error
from tests.gan.conftest import landmarks_of

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/previews/"
PLAIN = FIXTURES / "makeup" / "images" / "examples_images_non-makeup_xfsy_0058.png"
MADE_UP = FIXTURES / "makeup" / "images" / "examples_images_makeup_vFG112.png"


def upload(path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/png")


def product(category: str, shade: str, finish: str = "matte", sku: str = "") -> Product:
    lab = colour.hex_to_lab(shade)
    return Product.objects.create(sku=sku or f"{category}-{shade}", brand="Test", name=category, category=category,
                                  shade_hex=shade, shade_l=lab[0], shade_a=lab[1], shade_b=lab[2], finish=finish)


def post(client, data: dict, fmt: str = "json", **extra):
    return client.post(f"{API}?wait=20", data, format=fmt, **extra)


def succeeded(response) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "succeeded", body
    assert body["kind"] == "preview"
    return body["result"]


@pytest.fixture
def photo_id(client_alice) -> str:
    """The plain MT face, uploaded through a first preview (which also checks the upload path)."""
    result = succeeded(post(client_alice, {"image": upload(PLAIN), "items": '[{"category": "lipstick", '
                                           '"shade": "#a82a40"}]'}, fmt="multipart"))
    return str(Preview.objects.get(pk=result["preview"]).photo_id)


def test_one_job_renders_every_item_with_its_colour(client_alice, photo_id):
    red = product("lipstick", "#b22146")
    shadow = product("eyeshadow", "#6a4a7a", finish="shimmer")
    result = succeeded(post(client_alice, {"photo_id": photo_id, "items": [
        {"product": red.pk}, {"product": shadow.pk, "intensity": 0.9},
        {"category": "blush", "shade": "#E06C68", "finish": "satin", "intensity": 0.6}]}))
    images = result["images"]
    assert [i["index"] for i in images] == [0, 1, 2]
    assert [i["product"] for i in images] == [red.pk, shadow.pk, None]
    assert images[1]["item"]["finish"] == "shimmer" and images[1]["item"]["intensity"] == 0.9
    assert images[2]["item"]["shade"] == "#e06c68"
    assert set(images[0]["region_colours"]) == {"lips"}
    assert set(images[1]["region_colours"]) == {"eyelids"}
    lips = images[0]["region_colours"]["lips"]["lab"]
    assert float(colour.ciede2000(np.array(lips), colour.hex_to_lab("#b22146"))) < 3.0
    # The image itself: a JPEG of the whole photo whose lips wear the shade.
    response = client_alice.get(images[0]["url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    rendered = np.asarray(Image.open(io.BytesIO(b"".join(response.streaming_content))).convert("RGB"))
    original = np.asarray(Image.open(PLAIN).convert("RGB"))
    assert rendered.shape == original.shape
    assert images[0]["url"] == f"/api/v1/previews/{result['preview']}/images/0/"


def test_progress_is_reported_per_item(client_alice, photo_id, user):
    job = Job.objects.create(kind=previews.JOB_KIND, task_name=previews.TASK_PREVIEW, owner=user, params={
        "photo_id": photo_id, "face_index": None, "combine": False,
        "items": previews.normalise_items([{"category": "lipstick", "shade": "#aa3344"}] * 3)})
    stages = []
    result = previews.run_preview(job, lambda percent, stage=None: stages.append((percent, stage)))
    assert [s for _, s in stages if s.startswith("render")] == ["render 1/3", "render 2/3", "render 3/3"]
    percents = [p for p, _ in stages]
    assert percents == sorted(percents)
    assert len(result["images"]) == 3
    # A redelivered job replaces its preview instead of adding a second one.
    previews.run_preview(job, lambda *a, **k: None)
    assert Preview.objects.filter(job=job).count() == 1


def test_combined_look_is_one_image(client_alice, photo_id):
    result = succeeded(post(client_alice, {"photo_id": photo_id, "combine": True, "items": [
        {"category": "foundation", "shade": "#e0c0a8", "coverage": "light"},
        {"category": "lipstick", "shade": "#a82a40"}, {"category": "eyeliner", "shade": "#111111"}]}))
    assert len(result["images"]) == 1
    assert result["images"][0]["item"] is None
    assert set(result["images"][0]["region_colours"]) == {"lips", "eyelids", "cheeks", "skin"}


def test_reference_look_analytic_moves_lips_toward_the_reference(client_alice, photo_id):
    result = succeeded(post(client_alice, {"photo_id": photo_id, "reference_image": upload(MADE_UP),
                                           "method": "analytic"}, fmt="multipart"))
    preview = Preview.objects.get(pk=result["preview"])
    assert preview.method == "analytic" and preview.reference_photo_id is not None
    assert any(item["category"] == "lipstick" for item in preview.items)
    ref = np.asarray(Image.open(MADE_UP).convert("RGB"))
    ref_lips = renderer.region_colours(ref, landmarks_of(ref), ["lips"])["lips"]
    plain = np.asarray(Image.open(PLAIN).convert("RGB"))
    before = renderer.region_colours(plain, landmarks_of(plain), ["lips"])["lips"]
    after = np.array(result["images"][0]["region_colours"]["lips"]["lab"])
    assert colour.ciede2000(after, ref_lips) < 3.0 < colour.ciede2000(before, ref_lips)


def test_reference_look_through_the_gan(client_alice, photo_id):
    result = succeeded(post(client_alice, {"photo_id": photo_id, "reference_image": upload(MADE_UP),
                                           "method": "gan"}, fmt="multipart"))
    assert result["method"] == "gan"
    assert result["model_version"] == "makeup_gan:default-v2"
    assert client_alice.get(result["images"][0]["url"]).status_code == 200


def test_others_see_nothing(client_alice, client_bob, photo_id):
    preview = Preview.objects.get()
    url = f"{API}{preview.pk}/"
    assert client_alice.get(url).status_code == 200
    assert_error(client_bob.get(url), 404, "preview_not_found")
    assert_error(client_bob.get(f"{url}images/0/"), 404, "preview_not_found")
    assert_error(client_bob.delete(url), 404, "preview_not_found")
    assert client_bob.get(API).json()["count"] == 0
    assert client_alice.get(API).json()["count"] == 1
    # Bob cannot preview on Alice's photo either.
    assert_error(post(client_bob, {"photo_id": photo_id, "items": [{"category": "lipstick", "shade": "#aa3344"}]}),
                 404, "photo_not_found")


def test_delete_removes_the_files(client_alice, photo_id, settings):
    preview = Preview.objects.get()
    name = PreviewImage.objects.get(preview=preview).file.name
    assert default_storage.exists(name)
    assert client_alice.delete(f"{API}{preview.pk}/").status_code == 204
    assert not Preview.objects.exists()
    assert not default_storage.exists(name)
    assert_error(client_alice.get(f"{API}{preview.pk}/images/0/"), 404, "preview_not_found")


def test_previews_expire(client_alice, photo_id, settings):
    preview = Preview.objects.get()
    name = preview.images.get().file.name
    assert default_storage.exists(name)
    assert previews.purge_expired(timezone.now()) == 0
    # Past the retention the preview is hidden at once and deleted with its file by the beat task.
    Preview.objects.filter(pk=preview.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client_alice.get(f"{API}{preview.pk}/"), 404, "preview_not_found")
    assert purge_expired_previews() == 1
    assert not Preview.objects.exists() and not default_storage.exists(name)
    assert "gan.purge_expired_previews" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


def test_erasure_deletes_previews(client_alice, photo_id):
    name = PreviewImage.objects.get().file.name
    assert default_storage.exists(name)
    response = client_alice.delete("/api/v1/me/biometrics/")
    assert response.status_code == 200, response.content
    assert response.json()["previews"] == 1
    assert not Preview.objects.exists() and not default_storage.exists(name)
    assert not Job.objects.filter(kind="preview").exists()


@pytest.mark.parametrize(("item", "code"), [
    ({"product": 999999}, "unknown_product"),
    ({"category": "lipstick", "shade": "#zz0000"}, "invalid_shade"),
    ({"category": "lipstick", "shade": "red"}, "invalid_shade"),
    ({"category": "tattoo", "shade": "#aa3344"}, "invalid_category"),
    ({"category": "lipstick", "shade": "#aa3344", "finish": "velvet"}, "invalid_finish"),
    ({"category": "lipstick", "shade": "#aa3344", "intensity": 2}, "invalid_intensity"),
])
def test_bad_items_are_refused_and_nothing_is_stored(client_alice, item, code):
    response = post(client_alice, {"image": upload(PLAIN), "items": json.dumps([item])}, fmt="multipart")
    assert_error(response, 400, code)
    assert not Photo.objects.exists() and not Job.objects.exists()


def test_no_face_and_face_index_out_of_range(client_alice, photo_id):
    blank = np.full((240, 240, 3), 180, dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(blank).save(buf, format="PNG")
    response = post(client_alice, {"image": SimpleUploadedFile("blank.png", buf.getvalue(), "image/png"),
                                   "items": '[{"category": "lipstick", "shade": "#aa3344"}]'}, fmt="multipart")
    assert_error(response, 422, "no_face")
    response = post(client_alice, {"photo_id": photo_id, "face_index": 3,
                                   "items": [{"category": "lipstick", "shade": "#aa3344"}]})
    assert_error(response, 422, "face_index_out_of_range")
    assert Preview.objects.count() == 1  # only the fixture's


def test_request_shape_errors(client_alice, photo_id):
    assert_error(post(client_alice, {"photo_id": photo_id}), 400, "invalid")
    assert_error(post(client_alice, {"photo_id": photo_id, "items": []}), 400, "invalid_items")
    assert_error(post(client_alice, {"photo_id": photo_id, "reference_photo_id": photo_id, "method": "paint"}),
                 400, "invalid")


def test_idempotency_key_returns_the_same_job(client_alice, photo_id):
    data = {"photo_id": photo_id, "items": [{"category": "lipstick", "shade": "#aa3344"}]}
    first = post(client_alice, data, HTTP_IDEMPOTENCY_KEY="abc-1").json()
    second = post(client_alice, data, HTTP_IDEMPOTENCY_KEY="abc-1").json()
    assert first["id"] == second["id"]
    assert Job.objects.filter(kind="preview", idempotency_key="abc-1").count() == 1
