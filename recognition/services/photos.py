"""Storing uploaded photos: validated and decoded once, kept upright and at processing size, without metadata.

Decoding in the request means an unreadable, oversized or bomb image is refused at once with its
``image_*`` code, before any job is queued. The stored JPEG is the upright image (EXIF orientation applied,
EXIF and other metadata such as GPS dropped) no larger than ``PROCESSING_MAX_SIDE``; ``width``/``height``
keep the upright original size and ``scale`` maps stored pixels back to it.
"""

from collections.abc import Iterable
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile

from beautyrec.core.images import DecodedImage, decode_image, encode_jpeg
from recognition.models import Photo

STORED_JPEG_QUALITY = 95


def store_photo(*, owner: AbstractBaseUser, upload: bytes | BinaryIO) -> Photo:
    decoded = decode_image(upload, max_side=settings.PROCESSING_MAX_SIDE)
    photo = Photo(owner=owner, width=decoded.original_width, height=decoded.original_height,
                  source_format=decoded.format)
    photo.file.save(f"{photo.id}.jpg", ContentFile(encode_jpeg(decoded.pixels, quality=STORED_JPEG_QUALITY)),
                    save=False)
    photo.save()
    return photo


def load_pixels(photo: Photo) -> DecodedImage:
    """The stored pixels; ``scale`` of the result is relative to the stored file, see :func:`photo_scale`."""
    with photo.file.open("rb") as fh:
        return decode_image(fh.read())


def photo_scale(photo: Photo, decoded: DecodedImage) -> float:
    """Stored pixels per original pixel (1.0 unless the upload was larger than PROCESSING_MAX_SIDE)."""
    return decoded.pixels.shape[1] / photo.width


def delete_photos(photos: Iterable[Photo]) -> int:
    """Delete photos with their files (faces go with them); photos already deleted are skipped."""
    count = 0
    for photo in photos:
        if photo.pk is None or photo._state.adding:
            continue
        photo.file.delete(save=False)
        photo.delete()
        count += 1
    return count
