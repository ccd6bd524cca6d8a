"""Celery tasks of the recognition app (gpu queue, see GPU_TASKS): thin wrappers taking a job id."""

from typing import Any

from beautyrec.core.jobs import ProgressFn, job_task
from beautyrec.core.models import Job
from recognition.services import jobs


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
