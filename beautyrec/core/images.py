"""The one image decoder: every uploaded image passes through :func:`decode_image`.

It enforces the byte and pixel limits before any pixel is decoded (decompression bombs are refused from the
header alone), applies the EXIF orientation, flattens every mode (16-bit, CMYK, palette, alpha, grayscale)
to 8-bit RGB, and can downscale for processing while reporting the scale so coordinates map back.
"""

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from django.conf import settings
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from beautyrec.core.errors import PayloadTooLarge, UnprocessableInput

# HEIC/HEIF (what phones save) opens like any other format, with the same limits and orientation handling.
register_heif_opener()

ImageFile.LOAD_TRUNCATED_IMAGES = False
SUPPORTED_FORMATS = {"JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "HEIF", "MPO", "PPM"}
MIN_SIDE = 32


class ImageRejected(UnprocessableInput):
    """An upload that is not a usable image; ``code`` says why."""

    code = "image_unreadable"


@dataclass(frozen=True)
class DecodedImage:
    pixels: np.ndarray  # (H, W, 3) uint8 RGB, upright, possibly downscaled by ``scale``
    original_width: int  # upright size before any downscale
    original_height: int
    scale: float  # processing pixels = original pixels * scale
    format: str

    def to_original(self, coords: np.ndarray) -> np.ndarray:
        """Map (..., 2) x/y coordinates in processing pixels back to the upright original."""
        return np.asarray(coords, dtype=np.float64) / self.scale


def read_limited(stream: BinaryIO, limit: int | None = None) -> bytes:
    """Read at most ``limit`` bytes, refusing larger uploads without reading them whole."""
    limit = settings.MAX_UPLOAD_BYTES if limit is None else limit
    size = getattr(stream, "size", None)
    if size is not None and size > limit:
        raise PayloadTooLarge(f"The image is {size} bytes; the limit is {limit}.", code="image_too_large",
                              details={"limit_bytes": limit})
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The image is larger than the limit of {limit} bytes.", code="image_too_large",
                              details={"limit_bytes": limit})
    return data


def decode_image(data: bytes | BinaryIO, *, max_side: int | None = None) -> DecodedImage:
    """Decode and validate an uploaded image; raise :class:`ImageRejected` (4xx) for anything unusable."""
    raw = data if isinstance(data, bytes | bytearray) else read_limited(data)
    if not raw:
        raise ImageRejected("The upload is empty.", code="image_empty")
    if len(raw) > settings.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"The image is larger than the limit of {settings.MAX_UPLOAD_BYTES} bytes.",
                              code="image_too_large", details={"limit_bytes": settings.MAX_UPLOAD_BYTES})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            fmt = img.format or "unknown"
            _check_header(img, fmt)
            img.load()
            upright = ImageOps.exif_transpose(img)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("The image declares more pixels than allowed.", code="image_too_many_pixels",
                            details={"max_pixels": settings.MAX_IMAGE_PIXELS}) from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("The upload is not an image in a supported format.", code="image_unreadable",
                            details={"supported": sorted(SUPPORTED_FORMATS)}) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        code = "image_truncated" if "truncated" in str(exc).lower() or isinstance(exc, EOFError) \
            else "image_corrupt"
        raise ImageRejected(f"The image could not be decoded: {exc}", code=code) from exc
    pixels = to_rgb_array(upright)
    height, width = pixels.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ImageRejected(f"The image is {width}x{height}; each side must be at least {MIN_SIDE} pixels.",
                            code="image_too_small")
    scale = 1.0
    if max_side and max(height, width) > max_side:
        scale = max_side / max(height, width)
        resized = Image.fromarray(pixels).resize(
            (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS
        )
        pixels = np.asarray(resized)
    return DecodedImage(pixels=np.ascontiguousarray(pixels), original_width=width, original_height=height,
                        scale=scale, format=fmt)


def _check_header(img: Image.Image, fmt: str) -> None:
    if fmt not in SUPPORTED_FORMATS:
        raise ImageRejected(f"Images in {fmt} format are not supported.", code="image_format_unsupported",
                            details={"supported": sorted(SUPPORTED_FORMATS)})
    width, height = img.size
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise ImageRejected(
            f"The image declares {width}x{height} pixels; the limit is {settings.MAX_IMAGE_PIXELS} in total.",
            code="image_too_many_pixels", details={"max_pixels": settings.MAX_IMAGE_PIXELS},
        )
    if getattr(img, "n_frames", 1) > 1 and fmt != "MPO":
        raise ImageRejected("Animated or multi-frame images are not accepted; send a single photo.",
                            code="image_animated")


def to_rgb_array(img: Image.Image) -> np.ndarray:
    """Any Pillow mode -> (H, W, 3) uint8 RGB; high bit depths are scaled, alpha is composited on white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        gray = np.clip(np.rint(arr / peak * 255.0), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(background, rgba).convert("RGB"))
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img)


def encode_jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def encode_png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()
