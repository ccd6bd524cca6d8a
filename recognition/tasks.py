"""Celery tasks of the recognition app: job tasks on the gpu queue (see GPU_TASKS) taking a job id, and the
retention and log-pruning beat tasks on the cpu queue."""

from typing import Any

from celery import shared_task

from beautyrec.core.jobs import ProgressFn, job_task
from beautyrec.core.models import Job
from recognition.gallery import prune_gallery_changes as prune_gallery_changes_service
from recognition.services import jobs
from recognition.services.retention import expire_photos as expire_photos_service


@job_task(jobs.TASK_ANALYZE)
def analyze(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Detect, landmark, embed and score every face of a stored photo."""
    return jobs.run_analyze(job, progress)


@job_task(jobs.TASK_ENROLL)
def enroll(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Enroll one face of a photo into a consented subject and update its gallery template."""
    return jobs.run_enroll(job, progress)


@job_task(jobs.TASK_VERIFY)
def verify(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Compare one face with another photo's face or with a subject."""
    return jobs.run_verify(job, progress)


@job_task(jobs.TASK_IDENTIFY)
def identify(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Search the gallery (the requester's, or every owner's for kiosks) for one face."""
    return jobs.run_identify(job, progress)


@shared_task(name="recognition.expire_photos")
def expire_photos() -> dict[str, int]:
    """Beat (cpu queue): delete photos, faces, files and recognition jobs past PHOTO_RETENTION_DAYS."""
    return expire_photos_service()


@shared_task(name="recognition.prune_gallery_changes")
def prune_gallery_changes() -> int:
    """Beat (cpu queue): delete gallery change-log entries older than GALLERY_CHANGE_RETENTION_HOURS."""
    return prune_gallery_changes_service()
