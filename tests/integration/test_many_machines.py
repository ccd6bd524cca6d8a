"""Many machines: two web processes and two gpu workers sharing PostgreSQL (pgvector), Redis and S3 only.

Each process has its own MEDIA_ROOT and MODEL_ROOT (nothing shared on disk), like processes on separate
machines. A subject is enrolled through web A while only gpu worker A runs; then worker A stops and worker B
(a fresh process that never saw the enrollment) identifies a new photo sent to web B: it matches. The person
erases their biometrics through web A, and the next identify through web B, on worker B, finds nobody.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.conftest import FIXTURES, require_services
from tests.services import create_bucket, free_port, pgvector_server, s3_client, s3_env, s3_server

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FACES = FIXTURES / "faces"
API = "/api/v1/recognition"
STARTUP_S = 120


class Machines:
    """Starts the processes of a deployment on loopback, each with its own folders; stops them all at the end."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp, self.processes = env, tmp, {}

    def _env(self, name: str) -> dict[str, str]:
        return {**self.env, "MEDIA_ROOT": str(self.tmp / name / "media"), "MODEL_ROOT": str(self.tmp / name / "models")}

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        proc = subprocess.Popen(command, cwd=ROOT, env=self._env(name), stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = proc
        return proc

    def manage(self, *args: str) -> str:
        run = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self._env("admin"),
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout

    def web(self, name: str) -> str:
        port = free_port()
        self._start(name, [sys.executable, "-m", "gunicorn", "beautyrec.wsgi", "-w", "1", "--threads", "4", "-b",
                           f"127.0.0.1:{port}"])
        base = f"http://127.0.0.1:{port}"
        self._wait(name, lambda: requests.get(f"{base}/api/v1/health/", timeout=5).status_code in (200, 503))
        return base

    def gpu_worker(self, name: str) -> None:
        from beautyrec.celery import app as celery_app

        node = f"{name}-{os.getpid()}@{os.uname().nodename}"
        self._start(name, [sys.executable, "-m", "celery", "-A", "beautyrec", "worker", "-Q", "gpu", "--concurrency",
                           "1", "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle", "-n", node,
                           "-l", "info"])
        self._wait(name, lambda: bool(celery_app.control.ping(destination=[node], timeout=1)))

    def _wait(self, name: str, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                pytest.fail(f"{name} exited early:\n{(self.tmp / f'{name}.log').read_text()[-3000:]}")
            try:
                if ready():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        pytest.fail(f"{name} did not come up in {STARTUP_S} s:\n{(self.tmp / f'{name}.log').read_text()[-3000:]}")

    def stop(self, name: str) -> None:
        proc = self.processes.pop(name)
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def job_result(response: requests.Response, http: requests.Session, base: str) -> dict:
    assert response.status_code in (200, 202), response.text
    body, deadline = response.json(), time.monotonic() + 120
    while body["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        body = http.get(f"{base}{body['url']}", timeout=30).json()
    assert body["status"] == "succeeded", body
    return body["result"]


def upload(http: requests.Session, base: str, url: str, photo: str, **data: str) -> dict:
    path = FACES / photo
    response = http.post(f"{base}{url}?wait=60", files={"image": (path.name, path.read_bytes(), "image/jpeg")},
                         data=data, timeout=90)
    return job_result(response, http, base)


def test_enroll_on_one_machine_identify_and_erase_across_others(tmp_path):
    require_services()
    from django.conf import settings

    from beautyrec.celery import app as celery_app

    with celery_app.connection_for_write() as conn:
        for queue in ("cpu", "gpu"):
            conn.default_channel.queue_purge(queue)  # no other run's task may reach these workers
    with pgvector_server() as database, s3_server() as endpoint:
        create_bucket(endpoint, "beautyrec-machines")
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"DATABASE_URL": f"{database}/beautyrec_machines", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                    "GALLERY_BACKEND": "pgvector", "OMP_NUM_THREADS": "1", "ML_NUM_THREADS": "1",
                    "THROTTLE_USER": "100000/min", **s3_env(endpoint, "beautyrec-machines")})
        machines = Machines(env, tmp_path)
        try:
            import psycopg

            with psycopg.connect(f"{database}/postgres", autocommit=True) as conn:
                conn.execute("CREATE DATABASE beautyrec_machines")
            machines.manage("migrate", "--noinput")
            token = machines.manage("demo_setup", "--print-token", "demo").strip().splitlines()[-1]
            web_a, web_b = machines.web("web-a"), machines.web("web-b")
            http = requests.Session()
            http.headers["Authorization"] = f"Token {token}"

            machines.gpu_worker("gpu-a")
            subject = http.post(f"{web_a}{API}/subjects/", json={"name": "Tony", "consent": True}, timeout=30).json()
            enrolled = upload(http, web_a, f"{API}/subjects/{subject['id']}/enroll/", "Tony_Blair_0032.jpg")
            assert enrolled["enrolled_faces"] == 1
            machines.stop("gpu-a")

            machines.gpu_worker("gpu-b")
            found = upload(http, web_b, f"{API}/identify/", "Tony_Blair_0018.jpg")
            assert found["match"] and found["match"]["subject_id"] == subject["id"], found
            assert found["gallery_size"] == 1
            assert not list((tmp_path / "gpu-b" / "media").rglob("*.jpg"))  # it read the photo from the bucket

            erased = http.delete(f"{web_a}/api/v1/me/biometrics/", timeout=30)
            assert erased.status_code == 200 and erased.json()["subjects"] == 1
            after = upload(http, web_b, f"{API}/identify/", "Tony_Blair_0018.jpg")
            assert after["match"] is None and after["candidates"] == [] and after["gallery_size"] == 0
            keys = {o["Key"] for o in s3_client(endpoint).list_objects_v2(Bucket="beautyrec-machines")
                    .get("Contents", [])}
            assert len([k for k in keys if k.startswith("media/photos/")]) == 1  # only the last probe is left
        finally:
            machines.stop_all()
