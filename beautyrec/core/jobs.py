"""The one job helper: create a Job, publish its task after commit, run it idempotently, report progress.

Apps write their task bodies as plain functions ``fn(job, progress) -> dict`` and wrap them with
:func:`job_task`; views call :func:`submit_job` and answer with the Job. Payloads are job ids only: the
task reads its inputs from ``job.params`` (ids and options) and writes its outputs as rows or files.

Why this shape:
- Publishing after commit means a worker never sees a job id whose row is not yet visible.
- A broker that cannot be reached makes :func:`submit_job` undo the rows it was given and raise a 503, so
  a failed request leaves nothing behind.
- A redelivered task (worker killed, duplicate delivery) finds the job finished and does nothing, or
  finds it running and runs it again; task bodies must therefore replace, not append, their outputs.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from beautyrec.celery import app as celery_app
from beautyrec.core.errors import ServiceError, ServiceUnavailable
from beautyrec.core.models import Job

logger = logging.getLogger(__name__)

ProgressFn = Callable[..., None]
JobBody = Callable[[Job, ProgressFn], dict[str, Any] | None]

_TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Task retries while the database itself is unreachable: delays 1, 2, 4, ... 30 s, about two minutes in all.
DATABASE_OUTAGE_RETRIES = 8


class Progress:
    """Writes a job's progress (0-100) and stage label; throttled so tight loops do not hammer the database."""

    def __init__(self, job: Job, min_interval: float = 0.5) -> None:
        self.job = job
        self.min_interval = min_interval
        self._last_write = 0.0
        self._last_stage = job.stage

    def __call__(self, percent: float, stage: str | None = None) -> None:
        percent_int = max(0, min(100, int(percent)))
        stage = self._last_stage if stage is None else stage
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_write < self.min_interval and percent_int < 100:
            return
        self._last_write, self._last_stage = now, stage
        self.job.progress, self.job.stage = percent_int, stage
        Job.objects.filter(pk=self.job.pk).update(progress=percent_int, stage=stage, updated_at=timezone.now())


def submit_job(
    *,
    kind: str,
    owner: AbstractBaseUser,
    task_name: str,
    params: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    undo: Callable[[], None] | None = None,
) -> tuple[Job, bool]:
    """Create a queued Job and publish ``task_name`` for it once the surrounding transaction commits.

    Returns ``(job, created)``; with an ``idempotency_key`` already used by this owner for this kind, the
    earlier job is returned and nothing is published. ``undo`` deletes whatever the caller created for the
    job; it runs, with the job's deletion, if the broker cannot be reached.
    """
    if idempotency_key:
        existing = Job.objects.filter(owner=owner, kind=kind, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=kind, task_name=task_name, owner=owner, params=params or {},
                                     idempotency_key=idempotency_key or "")
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its job.
        return Job.objects.get(owner=owner, kind=kind, idempotency_key=idempotency_key), False
    transaction.on_commit(lambda: _publish(job, task_name, undo))
    return job, True


def _publish(job: Job, task_name: str, undo: Callable[[], None] | None) -> None:
    try:
        _task(task_name).apply_async(args=[str(job.pk)])
    except Exception as exc:
        # Not published: undo the job and whatever the caller stored for it, so a failed request leaves nothing.
        logger.error("could not publish job %s, undoing it: %s", job.pk, exc)
        with transaction.atomic():
            if undo is not None:
                undo()
            Job.objects.filter(pk=job.pk).delete()
        if isinstance(exc, BrokerOperationalError):
            raise ServiceUnavailable(
                "The job queue is not reachable right now; nothing was stored. Try again shortly.",
                code="broker_unavailable",
            ) from exc
        raise
    job.refresh_from_db()


_TASK_IMPORT_LOCK = threading.Lock()


def _task(name: str) -> Any:
    """The registered task. The first request of a web process imports the apps' task modules; concurrent first
    requests wait for that import under a lock (without it, one thread saw the registry half-filled and failed
    with NotRegistered, found by the database-restart load test)."""
    if name not in celery_app.tasks:
        with _TASK_IMPORT_LOCK:
            if name not in celery_app.tasks:
                celery_app.loader.import_default_modules()
    return celery_app.tasks[name]


def job_task(name: str, *, max_retries: int = 3) -> Callable[[JobBody], Any]:
    """Wrap ``fn(job, progress) -> result`` as a named Celery task that takes the job id.

    The queue and the gpu options (acks_late, time limits) come from settings (``GPU_TASKS``), so routing
    lives in one place.
    """

    def decorate(fn: JobBody) -> Any:
        @shared_task(name=name, bind=True, max_retries=max_retries)
        def task(self: Any, job_id: str) -> None:
            try:
                run_job(job_id, fn, task=self)
            except _TRANSIENT_ERRORS as exc:
                _retry_after_database_outage(self, job_id, exc)

        task.__doc__ = fn.__doc__
        task.body = fn
        return task

    return decorate


def _retry_after_database_outage(task: Any, job_id: str, exc: Exception) -> None:
    """Claiming a job or recording its outcome failed because the database was unreachable (a restart, a
    failover). Without a retry the message is gone and the job stays queued or running for ever; so the task
    is published again with a growing delay (about two minutes in all) and finds the job where it was left."""
    if getattr(task.request, "is_eager", True) or task.request.retries >= DATABASE_OUTAGE_RETRIES:
        raise exc
    logger.warning("job %s: database unreachable, retrying the task: %s", job_id, exc)
    raise task.retry(exc=exc, countdown=min(2 ** task.request.retries, 30),
                     max_retries=DATABASE_OUTAGE_RETRIES) from exc


def run_job(job_id: str, fn: JobBody, *, task: Any = None) -> Job | None:
    """Run one job to completion; safe to call again for the same id (redelivery, retries)."""
    job = _claim(job_id)
    if job is None:
        return None
    try:
        result = fn(job, Progress(job))
    except ServiceError as exc:
        details = {"details": exc.details} if exc.details is not None else None
        return _finish(job, Job.Status.FAILED, code=exc.code, message=exc.message, result=details)
    except SoftTimeLimitExceeded:
        return _finish(job, Job.Status.FAILED, code="timeout", message="The job ran past its time limit.")
    except _TRANSIENT_ERRORS as exc:
        if task is not None and not getattr(task.request, "is_eager", True) \
                and task.request.retries < task.max_retries:
            logger.warning("job %s hit a transient error, retrying: %s", job_id, exc)
            Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, stage="retrying")
            raise task.retry(exc=exc, countdown=2 ** task.request.retries) from exc
        return _finish(job, Job.Status.FAILED, code="temporarily_unavailable", message=str(exc)[:500])
    except Exception as exc:
        logger.exception("job %s (%s) crashed", job_id, job.kind)
        return _finish(job, Job.Status.FAILED, code="internal_error",
                       message=f"{type(exc).__name__}: {exc}"[:500])
    return _finish(job, Job.Status.SUCCEEDED, result=result or {})


def _claim(job_id: str) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.info("job %s no longer exists (erased or undone); nothing to do", job_id)
            return None
        if job.is_finished:
            logger.info("job %s already %s; duplicate delivery ignored", job_id, job.status)
            return None
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "updated_at"])
    return job


def _finish(job: Job, status: str, *, result: dict[str, Any] | None = None, code: str = "",
            message: str = "") -> Job:
    job.status, job.result, job.error_code, job.error_message = status, result, code, message
    job.finished_at = timezone.now()
    if status == Job.Status.SUCCEEDED:
        job.progress, job.stage = 100, "done"
    job.save(update_fields=["status", "result", "error_code", "error_message", "finished_at", "progress",
                            "stage", "updated_at"])
    return job


def wait_for_job(job: Job, seconds: float) -> Job:
    """Poll until the job finishes or ``seconds`` pass (capped by JOB_WAIT_MAX_SECONDS)."""
    deadline = time.monotonic() + max(0.0, min(seconds, settings.JOB_WAIT_MAX_SECONDS))
    job.refresh_from_db()
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    return job


def retry_job(job: Job) -> Job:
    """Put a failed job back in the queue (admin action); its task body must be idempotent anyway."""
    if job.status != Job.Status.FAILED:
        raise ServiceError("Only failed jobs can be retried.", code="job_not_failed", status_code=409)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, progress=0, stage="", error_code="",
                                         error_message="", result=None, finished_at=None)
    transaction.on_commit(lambda: _publish(job, job.task_name, None))
    return job
