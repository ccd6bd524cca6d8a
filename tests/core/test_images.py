import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from beautyrec.core.errors import PayloadTooLarge
from beautyrec.core.images import ImageRejected, decode_image
from tests.conftest import FIXTURES


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def photo() -> Image.Image:
    return Image.open(FIXTURES / "obama.jpg").convert("RGB")


def test_real_jpeg_decodes_to_rgb_uint8():
    decoded = decode_image((FIXTURES / "obama.jpg").read_bytes())
    assert decoded.pixels.dtype == np.uint8
    assert decoded.pixels.shape == (decoded.original_height, decoded.original_width, 3)
    assert decoded.format == "JPEG"
    assert decoded.scale == 1.0


# The transpose that undoes each EXIF orientation, applied to an upright image, gives what a camera stores.
T = Image.Transpose
STORED_FROM_UPRIGHT = {1: None, 2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM, 5: T.TRANSPOSE,
                       6: T.ROTATE_90, 7: T.TRANSVERSE, 8: T.ROTATE_270}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied(orientation):
    # A landscape image with a red top-left marker must come back upright, marker top-left.
    upright = np.zeros((60, 100, 3), np.uint8)
    upright[:20, :20] = (255, 0, 0)
    stored = Image.fromarray(upright)
    if STORED_FROM_UPRIGHT[orientation] is not None:
        stored = stored.transpose(STORED_FROM_UPRIGHT[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    decoded = decode_image(encode(stored, "PNG", exif=exif))
    assert decoded.pixels.shape[:2] == (60, 100)
    assert tuple(decoded.pixels[5, 5]) == (255, 0, 0)
    assert tuple(decoded.pixels[50, 90]) == (0, 0, 0)


def test_non_image_bytes_are_rejected():
    with pytest.raises(ImageRejected) as exc:
        decode_image(b"%PDF-1.4 this is not an image at all" * 10)
    assert exc.value.code == "image_unreadable"
    assert exc.value.status_code == 422


def test_truncated_jpeg_is_rejected():
    data = (FIXTURES / "obama.jpg").read_bytes()
    with pytest.raises(ImageRejected) as exc:
        decode_image(data[: len(data) // 2])
    assert exc.value.code in {"image_truncated", "image_corrupt"}


def test_decompression_bomb_is_refused_from_its_header():
    # A valid PNG header declaring 50,000 x 50,000 pixels, with almost no data behind it.
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    with pytest.raises(ImageRejected) as exc:
        decode_image(png)
    assert exc.value.code == "image_too_many_pixels"


def test_oversized_upload_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 1000
    with pytest.raises(PayloadTooLarge) as exc:
        decode_image(io.BytesIO(b"x" * 5000))
    assert exc.value.code == "image_too_large"
    assert exc.value.status_code == 413


def test_sixteen_bit_grayscale_png_is_scaled_not_clipped():
    ramp = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 16).astype(np.uint16)
    decoded = decode_image(encode(Image.fromarray(ramp), "PNG"))
    assert decoded.pixels.shape == (64, 64, 3)
    expected = np.rint(ramp.astype(np.float64) / 65535 * 255)
    assert np.abs(decoded.pixels[..., 0].astype(np.float64) - expected).max() <= 1


@pytest.mark.parametrize("mode", ["CMYK", "P", "L", "LA", "RGBA"])
def test_other_modes_become_rgb(mode):
    img = photo().resize((120, 150))
    converted = img.convert(mode)
    fmt = "JPEG" if mode in ("CMYK", "L") else "PNG"
    decoded = decode_image(encode(converted, fmt))
    assert decoded.pixels.shape == (150, 120, 3)
    # The face stays recognisably the same picture: mean colour within a few levels of the original.
    diff = np.abs(decoded.pixels.astype(float).mean((0, 1)) - np.asarray(img.convert("RGB")).mean((0, 1)))
    assert diff.max() < (25 if mode in ("L", "LA") else 8)


def test_animated_gif_is_rejected():
    frames = [Image.new("RGB", (64, 64), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(ImageRejected) as exc:
        decode_image(buf.getvalue())
    assert exc.value.code == "image_animated"


def test_tiny_image_is_rejected():
    with pytest.raises(ImageRejected) as exc:
        decode_image(encode(Image.new("RGB", (10, 10)), "PNG"))
    assert exc.value.code == "image_too_small"


def test_downscale_reports_scale_and_maps_coordinates_back():
    img = photo()
    decoded = decode_image(encode(img, "JPEG"), max_side=200)
    assert max(decoded.pixels.shape[:2]) == 200
    assert decoded.scale == pytest.approx(200 / max(img.size))
    corner = decoded.to_original(np.array([decoded.pixels.shape[1], decoded.pixels.shape[0]]))
    np.testing.assert_allclose(corner, img.size, rtol=0.01)
