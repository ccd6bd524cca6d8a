"""Figures for the staff dashboard: what the service holds, how its jobs went over the last day, and the
latest evaluation figures of every model kind (from the registry's ``ModelVersion.metrics``)."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count

from beautyrec.core.models import Job, ModelVersion
from beautyrec.recommender.models import Interaction, Product
from gan.models import Preview
from recognition.models import Face, Photo, Subject

STATUSES = [s.value for s in Job.Status]


def _counts() -> list[tuple[str, int]]:
    return [
        ("users", get_user_model().objects.count()),
        ("photos", Photo.objects.count()),
        ("faces", Face.objects.count()),
        ("subjects", Subject.objects.count()),
        ("subjects with consent", Subject.objects.filter(consent=True).count()),
        ("active products", Product.objects.filter(is_active=True).count()),
        ("inactive products", Product.objects.filter(is_active=False).count()),
        ("interactions", Interaction.objects.count()),
        ("previews", Preview.objects.count()),
        ("jobs (all time)", Job.objects.count()),
    ]


def _jobs_last_day(now: datetime) -> dict[str, Any]:
    """Jobs created in the 24 hours before ``now``: a kind x status table with totals, plus failure codes."""
    recent = Job.objects.filter(created_at__gte=now - timedelta(days=1))
    table: dict[str, dict[str, int]] = {}
    for row in recent.values("kind", "status").annotate(n=Count("id")):
        table.setdefault(row["kind"], dict.fromkeys(STATUSES, 0))[row["status"]] = row["n"]
    totals = dict.fromkeys(STATUSES, 0)
    for counts in table.values():
        for status, n in counts.items():
            totals[status] += n
    errors = list(recent.filter(status=Job.Status.FAILED).values("error_code").annotate(n=Count("id"))
                  .order_by("-n", "error_code"))
    return {"statuses": STATUSES, "rows": [(kind, [table[kind][s] for s in STATUSES]) for kind in sorted(table)],
            "totals": [totals[s] for s in STATUSES], "errors": errors}


MAX_DEPTH = 2  # "lfw:pairs.accuracy"; deeper breakdowns (per group...) stay on the model version's page
MAX_FIGURES = 16


def _flat_metrics(metrics: dict[str, Any], prefix: str = "", depth: int = 1) -> list[tuple[str, Any]]:
    """Nested metrics as ``a.b`` -> number/string pairs, two levels deep (lists and long values left out)."""
    flat: list[tuple[str, Any]] = []
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if depth < MAX_DEPTH:
                flat.extend(_flat_metrics(value, f"{name}.", depth + 1))
        elif isinstance(value, bool | int | float | str) and len(str(value)) <= 40:
            flat.append((name, round(value, 4) if isinstance(value, float) else value))
    return flat[:MAX_FIGURES] if depth == 1 else flat


def _models() -> list[dict[str, Any]]:
    """Per kind: the active version and the latest evaluated one (the newest with metrics)."""
    kinds = []
    for kind in ModelVersion.objects.order_by("kind").values_list("kind", flat=True).distinct():
        versions = ModelVersion.objects.filter(kind=kind).order_by("-created_at")
        active = versions.filter(is_active=True).first()
        evaluated = next((mv for mv in versions if mv.metrics), None)
        kinds.append({"kind": kind, "versions": versions.count(), "active": active, "evaluated": evaluated,
                      "metrics": _flat_metrics(evaluated.metrics) if evaluated else []})
    return kinds


def dashboard_figures(*, now: datetime) -> dict[str, Any]:
    return {"counts": _counts(), "jobs": _jobs_last_day(now), "models": _models(), "now": now}
