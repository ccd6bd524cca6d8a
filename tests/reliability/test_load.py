"""The load script's short mode (CI): 4 clients for 10 s of analyze + recommend + preview against gunicorn
with a real gpu and cpu worker, on a database of its own; every request must succeed.

The long mode (20 clients, 60 s) is run by hand: see README, "Reliability and privacy".
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.conftest import require_services
from tests.reliability.conftest import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_short_load_run_has_no_errors(tmp_path):
    require_services()
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_load"
    admin = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db.get("PASSWORD") or None,
                            dbname="postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {"DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}",
               "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "MODEL_ROOT": settings.MODEL_ROOT}
        report_path = tmp_path / "load.json"
        proc = subprocess.run([sys.executable, "bench/load.py", "--start", "--short", "--port", str(free_port()),
                               "--json", str(report_path)], cwd=ROOT, env={**os.environ, **env},
                              capture_output=True, text=True, timeout=400)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
        report = json.loads(report_path.read_text())
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    assert report["errors"] == 0 and report["clients"] == 4
    assert {op: stats["n"] > 0 for op, stats in report["operations"].items()} == {
        "analyze": True, "recommend": True, "preview": True}
    assert report["queue_depth"]["gpu"]["max"] >= 0
