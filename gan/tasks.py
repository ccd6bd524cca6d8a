"""Celery tasks of the gan app: previews and GAN training on the gpu queue (GPU_TASKS), expiry on cpu."""

from typing import Any

from celery import shared_task

from beautyrec.core.jobs import ProgressFn, job_task
from beautyrec.core.models import Job
from gan.services import previews, training_jobs


@job_task(previews.TASK_PREVIEW)
def preview(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Render one preview: every item of a list (per-item progress), a combined look or a reference's look."""
    return previews.run_preview(job, progress)


@job_task(training_jobs.TASK_TRAIN, max_retries=0)
def train_makeup_gan(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Train (or resume) the makeup GAN and register the result, reporting progress per step."""
    return training_jobs.run_training_job(job, progress)


@shared_task(name="gan.purge_expired_previews")
def purge_expired_previews() -> int:
    """Beat: delete previews past PREVIEW_RETENTION_HOURS with their files."""
    return previews.purge_expired()
