"""Celery tasks of the recommender: thin wrappers that take a job id and call services."""

from beautyrec.core.jobs import ProgressFn, job_task
from beautyrec.core.models import Job
from beautyrec.recommender.services.imports import TASK_NAME, run_catalog_import


@job_task(TASK_NAME)
def import_catalog(job: Job, progress: ProgressFn) -> dict[str, int]:
    """Import an uploaded catalogue file (all-or-nothing, idempotent by sku)."""
    return run_catalog_import(catalog_import_id=job.params["catalog_import_id"], progress=progress)
