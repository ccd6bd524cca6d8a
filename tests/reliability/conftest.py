"""Helpers for the reliability tests: what is stored right now, and real face images in every shape."""

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from beautyrec.core.models import Job
from recognition.models import Face, Photo, Subject


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored() -> dict[str, int]:
    """Counts of everything a request could leave behind (rows and files)."""
    return {"photos": Photo.objects.count(), "faces": Face.objects.count(), "jobs": Job.objects.count(),
            "subjects": Subject.objects.count(), "files": len(media_files())}


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def as_upload(data: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims ``width`` x ``height`` RGB pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
            + chunk(b"IEND", b""))


def grid(paths: list[Path], columns: int) -> np.ndarray:
    """Real faces tiled into one image (rows of ``columns``), for many-face requests."""
    tiles = [np.asarray(Image.open(p).convert("RGB")) for p in paths]
    height, width = max(t.shape[0] for t in tiles), max(t.shape[1] for t in tiles)
    tiles = [np.pad(t, ((0, height - t.shape[0]), (0, width - t.shape[1]), (0, 0))) for t in tiles]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
    rows = [np.concatenate(tiles[i:i + columns], axis=1) for i in range(0, len(tiles), columns)]
    return np.concatenate(rows, axis=0)
