"""Schemathesis over every operation of the live server's OpenAPI schema: no 5xx, no schema violation.

Marked integration: it starts real processes (gunicorn, on a PostgreSQL database of its own) and takes about
two minutes, so it runs with the other real-service tests in `make test`, not in quick unit runs. The long
run is `bench/fuzz_api.py` by hand.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_services
from tests.reliability.conftest import fresh_database

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_schemathesis_finds_no_server_error_or_schema_violation(tmp_path):
    require_services()
    report = tmp_path / "junit.xml"
    with fresh_database("fuzz") as database_url:
        proc = subprocess.run([sys.executable, "bench/fuzz_api.py", "--report", str(report), "--database-url",
                               database_url], cwd=ROOT, capture_output=True, text=True, timeout=400)
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, tail
    for path in (report, tmp_path / "junit.delete.xml"):  # every operation but DELETE, then the DELETEs
        summary = path.read_text()
        assert 'failures="0"' in summary and 'errors="0"' in summary, summary[:2000]
    selected = [tuple(map(int, m)) for m in re.findall(r"Selected: (\d+)/(\d+)", proc.stdout)]
    tested = [int(n) for n in re.findall(r"Tested: (\d+)", proc.stdout)]
    total = selected[0][1]
    assert sum(n for n, _ in selected) == sum(tested) == total >= 28, tail  # every operation was reached
