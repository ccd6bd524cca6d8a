"""Settings from the environment are checked when Django starts, so a bad value stops a process with a message
instead of failing every identify query later."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_django(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('ok')"], cwd=ROOT,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "beautyrec.settings", **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("value", ["0", "1001"])
def test_gallery_ef_search_outside_pgvectors_range_stops_startup(value):
    proc = start_django(GALLERY_EF_SEARCH=value)
    assert proc.returncode != 0
    assert f"GALLERY_EF_SEARCH must be 1-1000 (pgvector's range), not {value}" in proc.stderr


def test_gallery_ef_search_at_pgvectors_maximum_starts():
    proc = start_django(GALLERY_EF_SEARCH="1000")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
