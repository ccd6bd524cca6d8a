"""The database restarts under load: requests fail cleanly (503 ``database_unavailable``, never 500) and the
service recovers by itself; every job accepted before, during or after the restart finishes.

Runs its own PostgreSQL cluster (initdb into a temporary folder, pg_ctl on a free port) so the shared server
is never touched, with its own redis-server, gunicorn and Celery worker. ``FAULTS_LONG=1``: 60 s of load with
three restarts (by hand); CI: 20 s with one.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.recognition.conftest import BLAIR, SERENA
from tests.reliability.conftest import free_port, redis_server, spawn_worker, stop, worker_env

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("FAULTS_LONG") == "1"
DURATION, RESTARTS = (60.0, 3) if LONG else (20.0, 1)
CLIENTS = 6


class PrivatePostgres:
    """A throwaway cluster owned by the postgres user (initdb refuses root), listening on 127.0.0.1:port."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port, self.data = folder, port, folder / "data"

    def _pg(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self.folder.mkdir(mode=0o755, exist_ok=True)
        shutil.chown(self.folder, "postgres", "postgres")
        if not self.data.exists():
            self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "pg.log"), "-w", "start")

    def restart(self) -> None:
        # -l again: without it the new postmaster would write to (and hold open) this process's pipe.
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "pg.log"), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", "pg_ctl", "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)

    def create_database(self, name: str) -> str:
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def manage(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture
def stack():
    """Private PostgreSQL + redis-server + gunicorn + Celery worker, torn down afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="beautyrec-pg-"))
    folder.chmod(0o755)
    postgres = PrivatePostgres(folder / "cluster", free_port())
    redis_port, http_port = free_port(), free_port()
    processes: list[subprocess.Popen] = []
    try:
        postgres.start()
        processes.append(redis_server(redis_port, folder / "redis.log"))
        env = worker_env(DATABASE_URL=postgres.create_database("beautyrec_faults"), MEDIA_ROOT=str(folder / "media"),
                         MODEL_ROOT=str(folder / "models"), CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
                         THROTTLE_USER="100000/min", DEBUG="1")
        manage(env, "migrate", "--noinput")
        manage(env, "demo_setup")
        token = manage(env, "demo_setup", "--print-token", "demo").strip().splitlines()[-1]
        processes.append(spawn_worker(env, f"dbfault-{os.getpid()}", log=folder / "worker.log"))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "beautyrec.wsgi", "-w", "2", "--threads", "4", "-b",
             f"127.0.0.1:{http_port}"], cwd=ROOT, env=env, stdout=open(folder / "gunicorn.log", "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{http_port}"
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if session.get(f"{base}/api/v1/jobs/", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        yield {"base": base, "session": session, "postgres": postgres, "folder": folder}
    finally:
        for proc in reversed(processes):
            stop(proc)
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_database_restart_under_load_fails_cleanly_and_recovers(stack):
    base, session, postgres = stack["base"], stack["session"], stack["postgres"]
    images = [BLAIR[0].read_bytes(), SERENA[0].read_bytes()]
    log: list[tuple[float, str, int, str]] = []
    jobs: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()

    def client(n: int) -> None:
        http = requests.Session()
        http.headers.update(session.headers)
        i = 0
        while time.monotonic() - started < DURATION:
            i += 1
            try:
                if i % 4 == 0:
                    op = "analyze"
                    r = http.post(f"{base}/api/v1/recognition/analyze/",
                                  files={"image": ("face.jpg", images[i % 2], "image/jpeg")}, timeout=30)
                elif i % 2:
                    op = "jobs"
                    r = http.get(f"{base}/api/v1/jobs/?page_size=5", timeout=30)
                else:
                    op = "subject"
                    r = http.post(f"{base}/api/v1/recognition/subjects/", json={"name": f"c{n}-{i}", "consent": True},
                                  timeout=30)
                code = r.json()["error"]["code"] if r.status_code >= 400 else ""
                status = r.status_code
                if op == "analyze" and status in (200, 202):
                    with lock:
                        jobs.append(r.json()["id"])
            except requests.RequestException as exc:
                status, code = 0, type(exc).__name__
            with lock:
                log.append((time.monotonic() - started, op, status, code))
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    restarts = []
    for k in range(RESTARTS):
        time.sleep(max(0.0, DURATION * (k + 1) / (RESTARTS + 1) - (time.monotonic() - started)))
        at = time.monotonic() - started
        postgres.restart()
        restarts.append((at, time.monotonic() - started))
    for thread in threads:
        thread.join(DURATION + 60)

    outcomes = Counter((status, code) for _, _, status, code in log)
    print(f"\n{len(log)} requests in {DURATION:.0f} s, restarts at {restarts}: {dict(outcomes)}")
    failures = [(t, op, status, code) for t, op, status, code in log if status not in (200, 201, 202)]
    server_log = (stack["folder"] / "gunicorn.log").read_text()
    assert all((status, code) == (503, "database_unavailable") for _, _, status, code in failures), \
        (failures, server_log[-5000:])
    last_restart_done = restarts[-1][1]
    after = [entry for entry in log if entry[0] > last_restart_done + 2]
    assert after and all(status in (200, 201, 202) for _, _, status, _ in after), after  # recovered unaided
    assert len(jobs) >= 5
    # Every job accepted at any time finishes (none is stuck queued or running after the restart).
    deadline, pending = time.monotonic() + 180, set(jobs)
    statuses: dict[str, str] = {}
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            body = session.get(f"{base}/api/v1/jobs/{job_id}/", timeout=10).json()
            statuses[job_id] = body["status"]
            if body["status"] in ("succeeded", "failed"):
                pending.discard(job_id)
        time.sleep(1)
    assert not pending, {j: statuses.get(j) for j in pending}
    assert Counter(statuses.values()) == {"succeeded": len(jobs)}, Counter(statuses.values())
