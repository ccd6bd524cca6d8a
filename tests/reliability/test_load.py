"""The load script's short mode (CI): 4 clients for 10 s of analyze + recommend + preview against gunicorn
with a real gpu and cpu worker, on a database of its own; every request must succeed.

The long mode (20 clients, 60 s) is run by hand: see README, "Reliability and privacy".
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_services
from tests.reliability.conftest import free_port, fresh_database

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_short_load_run_has_no_errors(tmp_path):
    require_services()
    report_path = tmp_path / "load.json"
    with fresh_database("load") as database_url:
        env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
               "MODEL_ROOT": settings.MODEL_ROOT}
        proc = subprocess.run([sys.executable, "bench/load.py", "--start", "--short", "--port", str(free_port()),
                               "--json", str(report_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=400)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    report = json.loads(report_path.read_text())
    assert report["errors"] == 0 and report["clients"] == 4
    assert {op: stats["n"] > 0 for op, stats in report["operations"].items()} == {
        "analyze": True, "recommend": True, "preview": True}
    assert report["queue_depth"]["gpu"]["max"] >= 0
