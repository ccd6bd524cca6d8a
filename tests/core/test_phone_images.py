"""Images as phones send them: HEIC, and photos larger than the processing size whose face coordinates must
come back in the original's pixels."""

import io

import numpy as np
import pytest
from PIL import Image
from pillow_heif import from_pillow

from beautyrec.core.images import decode_image
from recognition.services.analysis import analyze_photo
from recognition.services.photos import store_photo
from tests.conftest import FIXTURES


def centre(box: list[float]) -> np.ndarray:
    return np.array([box[0] + box[2], box[1] + box[3]]) / 2


def heic_bytes(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    from_pillow(img).save(buf, quality=quality)
    return buf.getvalue()


def jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95)
    return buf.getvalue()


@pytest.fixture(scope="module")
def selfie() -> Image.Image:
    return Image.open(FIXTURES / "obama.jpg").convert("RGB")


@pytest.fixture(scope="module")
def selfie_heic(selfie) -> bytes:
    return heic_bytes(selfie)  # HEVC encoding takes seconds: once for the module


def test_heic_decodes_like_the_jpeg_it_was_made_from(selfie, selfie_heic):
    data = selfie_heic
    assert data[4:12] == b"ftypheic"  # a real HEIC container, as an iPhone writes
    decoded = decode_image(data)
    assert decoded.format == "HEIF"
    assert (decoded.original_width, decoded.original_height) == selfie.size
    difference = np.abs(decoded.pixels.astype(int) - np.asarray(selfie, dtype=int))
    assert difference.mean() < 3  # lossy, but the same picture


@pytest.mark.django_db
def test_heic_upload_is_analysed_like_the_jpeg(user, selfie, selfie_heic):
    from_heic = store_photo(owner=user, upload=selfie_heic)
    from_jpeg = store_photo(owner=user, upload=jpeg_bytes(selfie))
    assert (from_heic.source_format, from_jpeg.source_format) == ("HEIF", "JPEG")
    heic_face, jpeg_face = analyze_photo(photo=from_heic)[0], analyze_photo(photo=from_jpeg)[0]
    np.testing.assert_allclose(heic_face.box, jpeg_face.box, atol=4)
    np.testing.assert_allclose(heic_face.landmarks, jpeg_face.landmarks, atol=4)
    assert heic_face.attributes["skin"]["monk"] == jpeg_face.attributes["skin"]["monk"]


@pytest.mark.django_db
def test_large_photo_is_processed_downscaled_with_coordinates_in_the_original(user, selfie, settings):
    # The same photo at twice its size is processed at PROCESSING_MAX_SIDE; its face must come back where the
    # native-size analysis puts it, times two.
    settings.PROCESSING_MAX_SIDE = 1280
    large = selfie.resize((selfie.width * 2, selfie.height * 2), Image.Resampling.LANCZOS)
    assert max(large.size) > settings.PROCESSING_MAX_SIDE
    big = store_photo(owner=user, upload=jpeg_bytes(large))
    native = store_photo(owner=user, upload=jpeg_bytes(selfie))
    assert (big.width, big.height) == large.size
    with big.file.open("rb") as fh:
        assert max(Image.open(fh).size) == settings.PROCESSING_MAX_SIDE
    big_face, native_face = analyze_photo(photo=big)[0], analyze_photo(photo=native)[0]
    # HOG's boxes snap to its pyramid scales, so the box may differ a little; landmarks are fitted to the face.
    width = 2 * (native_face.box[2] - native_face.box[0])
    assert np.linalg.norm(centre(big_face.box) - 2 * centre(native_face.box)) < 0.1 * width
    error = np.linalg.norm(np.array(big_face.landmarks) - np.array(native_face.landmarks) * 2, axis=1)
    assert np.median(error) < 0.02 * width and error.max() < 0.05 * width  # measured: 0.4% and 1.2%
