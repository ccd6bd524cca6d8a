"""GET /api/v1/recognition/photos/{id}/image/: the stored upright JPEG, to its owner only."""

import io

import pytest
from PIL import Image
from pillow_heif import from_pillow

from recognition.services.photos import store_photo
from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def url(photo) -> str:
    return f"/api/v1/recognition/photos/{photo.pk}/image/"


def test_owner_gets_the_stored_jpeg(client_alice, user):
    photo = store_photo(owner=user, upload=(FIXTURES / "obama.jpg").read_bytes())
    response = client_alice.get(url(photo), HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (photo.width, photo.height))


def test_heic_upload_comes_back_as_jpeg(client_alice, user):
    buf = io.BytesIO()
    from_pillow(Image.open(FIXTURES / "biden.jpg").convert("RGB").reduce(2)).save(buf, quality=90)
    photo = store_photo(owner=user, upload=buf.getvalue())
    assert photo.source_format == "HEIF"
    response = client_alice.get(url(photo))
    assert Image.open(io.BytesIO(response.content)).format == "JPEG"


@pytest.mark.parametrize("accept", ["image/jpeg", "application/json", "*/*"])
def test_other_users_photo_is_a_json_404(client_bob, user, accept):
    photo = store_photo(owner=user, upload=(FIXTURES / "obama.jpg").read_bytes())
    response = client_bob.get(url(photo), HTTP_ACCEPT=accept)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "photo_not_found"


def test_anonymous_gets_401(anon_client, user):
    photo = store_photo(owner=user, upload=(FIXTURES / "obama.jpg").read_bytes())
    assert anon_client.get(url(photo)).status_code == 401
