"""Celery tasks of the recommender: thin wrappers that take a job id and call services."""

from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from beautyrec.core.jobs import ProgressFn, job_task, submit_job
from beautyrec.core.models import Job
from beautyrec.recommender.services.imports import TASK_NAME, run_catalog_import
from beautyrec.recommender.services.training import train_recommender_model

TRAIN_TASK = "recommender.train"
# Owner of the nightly training jobs (an inactive account: it can never log in).
SYSTEM_USERNAME = "system-recommender"


@job_task(TASK_NAME)
def import_catalog(job: Job, progress: ProgressFn) -> dict[str, int]:
    """Import an uploaded catalogue file (all-or-nothing, idempotent by sku)."""
    return run_catalog_import(catalog_import_id=job.params["catalog_import_id"], progress=progress)


@job_task(TRAIN_TASK, max_retries=0)
def train(job: Job, progress: ProgressFn) -> dict[str, Any]:
    """Retrain on all interactions; the new version is registered and activated."""
    mv = train_recommender_model(progress=progress, epochs=job.params.get("epochs", 30),
                                 command=f"celery task {TRAIN_TASK} (job {job.id})")
    return {"model_version": mv.version, "metrics": mv.metrics}


@shared_task(name="recommender.schedule_training")
def schedule_training() -> str:
    """Beat entry point: one training job per night (the date is the idempotency key)."""
    owner, _ = get_user_model().objects.get_or_create(username=SYSTEM_USERNAME, defaults={"is_active": False})
    job, _ = submit_job(kind="recommender_training", owner=owner, task_name=TRAIN_TASK,
                        idempotency_key=f"nightly-{timezone.now():%Y-%m-%d}")
    return str(job.id)
