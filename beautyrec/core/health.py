"""Readiness checks behind ``GET /api/v1/health/``: database, broker, and each app's model files.

Apps register model-file checks from their ``AppConfig.ready`` so this module never imports them.
"""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection

from beautyrec.celery import app as celery_app
from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import resolve_uri

CheckResult = dict[str, Any]
_model_checks: dict[str, Callable[[], CheckResult]] = {}


def register_model_check(name: str, check: Callable[[], CheckResult]) -> None:
    """``check()`` returns ``{"ok": bool, ...details}``; it must be cheap (no model loading)."""
    _model_checks[name] = check


def check_database() -> CheckResult:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_broker() -> CheckResult:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "mode": "eager", "detail": "no broker configured; tasks run in-process"}
    started = time.monotonic()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    except Exception as exc:
        return {"ok": False, "mode": "broker", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "mode": "broker", "transport": celery_app.conf.broker_url.split(":", 1)[0],
            "ms": round((time.monotonic() - started) * 1000, 1)}


def check_models() -> CheckResult:
    results: dict[str, Any] = {}
    try:
        for mv in ModelVersion.objects.filter(is_active=True):
            path = resolve_uri(mv.uri)
            results[f"{mv.kind}:{mv.version}"] = {"ok": path.is_file(), "path": str(path)}
    except Exception as exc:
        results["registry"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    for name, check in _model_checks.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": all(r.get("ok") for r in results.values()), "files": results}


def readiness() -> dict[str, Any]:
    checks = {"database": check_database(), "broker": check_broker(), "models": check_models()}
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}
