"""Storing uploaded photos: validated and decoded once, kept upright and at processing size, without metadata.

Decoding in the request means an unreadable, oversized or bomb image is refused at once with its
``image_*`` code, before any job is queued. The stored JPEG is the upright image (EXIF orientation applied,
EXIF and other metadata such as GPS dropped) no larger than ``PROCESSING_MAX_SIDE``; ``width``/``height``
keep the upright original size and ``scale`` maps stored pixels back to it.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction

from beautyrec.core.images import DecodedImage, decode_image, encode_jpeg
from recognition.models import Face, Photo, Subject
from recognition.services.subjects import update_template

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


@contextmanager
def deleted_on_failure() -> Iterator[list[Photo]]:
    """Collects the photos a request stores; if the request then fails (another input not found, broker
    down), they are deleted with their files so nothing is left behind."""
    new: list[Photo] = []
    try:
        yield new
    except BaseException:
        delete_photos(new)
        raise


def delete_photos(photos: Iterable[Photo]) -> int:
    """Delete photos with their faces, then their files once the deletion is committed.

    Subjects that had one of these faces enrolled get their template recomputed without it. Photos already
    deleted are skipped.
    """
    photos = [p for p in photos if p.pk is not None and not p._state.adding]
    if not photos:
        return 0
    with transaction.atomic():
        touched = set(Face.objects.filter(photo__in=photos, subject__isnull=False).values_list("subject_id",
                                                                                              flat=True))
        files = [p.file for p in photos]
        Photo.objects.filter(pk__in=[p.pk for p in photos]).delete()
        for subject in Subject.objects.filter(pk__in=touched):
            update_template(subject)
        transaction.on_commit(lambda: _delete_files(files))
    for photo in photos:
        photo.pk = None
    return len(photos)


def _delete_files(files: list) -> None:
    """After the commit, so a rolled-back deletion never leaves a row without its file."""
    for f in files:
        f.delete(save=False)
