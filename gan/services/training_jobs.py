"""GAN training as a Job on the gpu queue: the same run as ``train_makeup_gan``, reporting progress."""

from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from beautyrec.core.errors import InvalidInput
from beautyrec.core.jobs import ProgressFn, submit_job
from beautyrec.core.models import Job
from gan.ml.training import TrainConfig
from gan.services.makeup_gan import run_training

TASK_TRAIN: Final = "gan.train_makeup_gan"
JOB_KIND: Final = "makeup_gan_training"
FACES_SHARE: Final = 10  # percent of the job's progress spent preparing faces


def start_training(*, user: AbstractBaseUser, version: str, faces: int = 600, activate: bool = False,
                   idempotency_key: str | None = None, **config: Any) -> Job:
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(config) - known
    if unknown:
        raise InvalidInput(f"Unknown training settings: {', '.join(sorted(unknown))}.", code="invalid_config")
    job, _ = submit_job(kind=JOB_KIND, owner=user, task_name=TASK_TRAIN,
                        params={"version": version, "faces": faces, "activate": activate,
                                "config": asdict(TrainConfig(**config))}, idempotency_key=idempotency_key)
    return job


def run_training_job(job: Job, progress: ProgressFn) -> dict[str, Any]:
    params = job.params

    def report(stage: str, done: int, total: int) -> None:
        share = done / max(total, 1)
        percent = FACES_SHARE * share if stage == "faces" else FACES_SHARE + (99 - FACES_SHARE) * share
        progress(percent, f"{stage} {done}/{total}")

    mv = run_training(config=TrainConfig(**params["config"]), data_dir=Path(settings.SHARED_DATA_DIR),
                      faces=params["faces"], version=params["version"], activate=params["activate"],
                      threads=settings.ML_NUM_THREADS, progress=report)
    return {"model_version": {"kind": mv.kind, "version": mv.version, "uri": mv.uri, "metrics": mv.metrics,
                              "is_active": mv.is_active}}
