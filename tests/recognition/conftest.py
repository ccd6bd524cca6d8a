"""Shared helpers for recognition tests: fixture images as uploads, and running a job-backed request."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from beautyrec.core.ml.runtime import evict
from tests.conftest import FIXTURES

FACES = FIXTURES / "faces"
BLAIR = [FACES / f"Tony_Blair_{n:04d}.jpg" for n in (6, 18, 32)]
POWELL = [FACES / f"Colin_Powell_{n:04d}.jpg" for n in (38, 40)]
SERENA = [FACES / f"Serena_Williams_{n:04d}.jpg" for n in (1, 3)]


def load_rgb(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def upload(path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="image/jpeg")


def upload_array(pixels: np.ndarray, name: str = "image.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def side_by_side(*paths) -> np.ndarray:
    """One image holding several faces, for multi-face tests."""
    images = [load_rgb(p) for p in paths]
    height = max(i.shape[0] for i in images)
    return np.concatenate([np.pad(i, ((0, height - i.shape[0]), (0, 10), (0, 0))) for i in images], axis=1)


@pytest.fixture(autouse=True)
def _fresh_gallery_index():
    """Each test starts with this process's gallery index unbuilt, as a new worker would."""
    evict(lambda key: key == ("recognition-gallery",))
    yield


@pytest.fixture
def post_job():
    """POST a multipart request with ``?wait=`` and return the response (jobs run eagerly after commit)."""

    def post(client, url: str, data: dict, **extra):
        return client.post(f"{url}?wait=10", data, format="multipart", **extra)

    return post
