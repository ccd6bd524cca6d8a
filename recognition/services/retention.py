"""Retention: uploaded photos (with their faces and files) and recognition jobs expire after
``PHOTO_RETENTION_DAYS``; the ``recognition.expire_photos`` beat task runs this on the cpu queue.

Previews have their own, shorter retention (``PREVIEW_RETENTION_HOURS``, the gan app's beat task).
Photos holding a face enrolled in a gallery are kept: that face is the consented gallery entry, and it goes
when consent is withdrawn, the subject is deleted or the person is erased. Deletion goes through
``delete_photos``, the same path as a user's own delete and erasure, so files go with their rows.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from beautyrec.core.models import Job
from recognition.models import Photo
from recognition.services.jobs import JOB_KINDS
from recognition.services.photos import delete_photos

BATCH = 500


def expired_photos(cutoff: datetime) -> QuerySet[Photo]:
    return Photo.objects.filter(created_at__lt=cutoff).exclude(faces__subject__isnull=False).order_by("created_at")


def expire_photos(*, now: datetime | None = None, days: int | None = None) -> dict[str, int]:
    """Delete photos and recognition jobs older than ``days`` (default ``PHOTO_RETENTION_DAYS``; 0 keeps
    everything); returns the counts by kind."""
    days = settings.PHOTO_RETENTION_DAYS if days is None else days
    if days <= 0:
        return {"photos": 0, "jobs": 0}
    cutoff = (now or timezone.now()) - timedelta(days=days)
    photos = 0
    while batch := list(expired_photos(cutoff)[:BATCH]):
        photos += delete_photos(batch)
    jobs, _ = Job.objects.filter(kind__in=JOB_KINDS.values(), created_at__lt=cutoff).delete()
    return {"photos": photos, "jobs": jobs}
