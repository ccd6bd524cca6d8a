"""The recognition and preview API tests again, on the pgvector gallery and S3 object storage.

Settings are read once per process (the pgvector app is installed or not), so each configuration runs the
same test files in a pytest subprocess, against a throwaway PostgreSQL with pgvector and moto's S3 server
started here on loopback (see ``tests.services``). ``on_s3.py`` and ``on_pgvector.py`` add the checks only
those backends have: no public object, objects deleted by erasure and retention, model files shared through
the bucket, vector rows written with the subjects and no change log.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import create_bucket, pgvector_server, s3_env, s3_server

pytestmark = pytest.mark.backends

ROOT = Path(__file__).resolve().parents[2]
SUITE = [
    "tests/recognition/test_api.py",
    "tests/recognition/test_erasure.py",
    "tests/gan/test_api.py::test_delete_removes_the_files",
    "tests/gan/test_api.py::test_previews_expire",
    "tests/gan/test_api.py::test_erasure_deletes_previews",
]


@pytest.fixture(scope="module")
def services():
    with pgvector_server() as database, s3_server() as endpoint:
        yield database, endpoint


@pytest.mark.parametrize(("gallery", "storage"), [("pgvector", "s3"), ("memory", "s3")])
def test_api_suite_on(services, gallery, storage, tmp_path):
    database, endpoint = services
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update({"GALLERY_BACKEND": gallery, "DATABASE_URL": f"{database}/beautyrec_{gallery}_{storage}",
                "OMP_NUM_THREADS": "1", "ML_NUM_THREADS": "1", "MEDIA_ROOT": str(tmp_path / "media")})
    if gallery == "memory":  # the memory gallery on SQLite, as the embedded default runs it
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    if storage == "s3":
        bucket = f"beautyrec-{gallery}"
        create_bucket(endpoint, bucket)
        env.update(s3_env(endpoint, bucket))
    checks = [f"tests/backends/on_{name}.py" for name in (gallery, storage) if name in ("pgvector", "s3")]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *SUITE, *checks],
                         cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and " failed" not in run.stdout
