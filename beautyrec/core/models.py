"""Data every app shares: asynchronous jobs and the registry of model versions."""

import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    """One unit of asynchronous work (an analysis, a render, a training run) that a client can poll."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64, db_index=True)
    task_name = models.CharField(max_length=128, help_text="The Celery task that runs this job.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="Ids and options the task needs.")
    result = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "idempotency_key"], name="job_unique_idempotency_key",
                condition=~models.Q(idempotency_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ModelVersion(models.Model):
    """A trained or imported model file with its metrics; stored outputs point at the version that made them."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=64, db_index=True, help_text="e.g. embedding, attribute_heads, gan")
    version = models.CharField(max_length=64)
    uri = models.CharField(
        max_length=500,
        help_text="pkg:<package>/<path> for files shipped in an installed package, else a path under MODEL_ROOT.",
    )
    sha256 = models.CharField(max_length=64, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    training_command = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="model_version_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(is_active=True), name="model_version_one_active_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.version}{' (active)' if self.is_active else ''}"
