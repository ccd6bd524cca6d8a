"""Admin of jobs (status, progress, duration, error code; retry) and model versions (metrics; activate)."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from beautyrec.core.errors import ServiceError
from beautyrec.core.jobs import retry_job
from beautyrec.core.models import Job, ModelVersion
from beautyrec.core.registry import activate_model_version


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "owner", "status", "progress_bar", "stage", "error_code", "created_at", "duration"]
    list_filter = ["status", "kind", "error_code"]
    search_fields = ["id", "owner__username", "error_code"]
    readonly_fields = [f.name for f in Job._meta.fields]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are started through the API or commands, never typed in

    @admin.display(description="progress", ordering="progress")
    def progress_bar(self, job: Job) -> str:
        return format_html('<progress max="100" value="{}" title="{}%"></progress> {}%', job.progress,
                           job.progress, job.progress)

    @admin.display(description="duration (s)")
    def duration(self, job: Job) -> str:
        seconds = job.duration_seconds
        return "" if seconds is None else f"{seconds:.1f}"

    @admin.action(description="Retry the selected failed jobs")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        retried = 0
        for job in queryset.filter(status=Job.Status.FAILED):
            try:
                retry_job(job)
                retried += 1
            except ServiceError as exc:
                self.message_user(request, f"{job.pk}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{retried} job(s) queued again.")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "is_active", "metrics_summary", "uri", "created_at"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["sha256", "created_at", "metrics_pretty"]
    actions = ["activate"]

    @admin.display(description="metrics")
    def metrics_summary(self, mv: ModelVersion) -> str:
        """The top-level numbers (nested figures are on the change page)."""
        numbers = [(k, v) for k, v in mv.metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)]
        return ", ".join(f"{k} {round(v, 4)}" for k, v in numbers[:6])

    @admin.display(description="metrics (all)")
    def metrics_pretty(self, mv: ModelVersion) -> str:
        return format_html("<pre>{}</pre>", json.dumps(mv.metrics, indent=2, sort_keys=True))

    @admin.action(description="Make the selected version the active one of its kind")
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        mv = queryset.get()
        activate_model_version(mv)
        self.message_user(request, f"{mv.kind} now serves version {mv.version}.")
