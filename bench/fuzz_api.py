"""Fuzz the live API from its own OpenAPI schema with schemathesis: 0 server errors, 0 schema violations.

Starts a throwaway server (gunicorn with the repository's gunicorn.conf.py, its own SQLite database and
media folder, jobs run eagerly in the request), signs in as the demo client user, and runs schemathesis over
every operation of ``/api/schema/`` with the checks ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance`` and ``response_schema_conformance``. Exits non-zero on any failure.

    python bench/fuzz_api.py                 # CI mode: a bounded run (about a minute here)
    python bench/fuzz_api.py --examples 200 --max-time 900   # the long run, by hand
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status: the server answers
                return
            time.sleep(0.3)
    raise SystemExit(f"server did not come up at {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=25, help="max examples per operation")
    parser.add_argument("--max-time", type=int, default=45, help="time budget of the schemathesis run, seconds")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--report", type=Path, help="write a JUnit report here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="beautyrec-fuzz-") as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/fuzz.sqlite3", "MEDIA_ROOT": f"{tmp}/media",
               "MODEL_ROOT": f"{tmp}/models", "CELERY_BROKER_URL": "", "DEBUG": "1", "JOB_WAIT_MAX_SECONDS": "5",
               "THROTTLE_USER": "100000/min", "THROTTLE_ANON": "100000/min", "ML_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "LOG_LEVEL": "WARNING"}
        manage(env, "migrate", "--noinput")
        manage(env, "demo_setup")
        manage(env, "load_demo_catalog")
        token = manage(env, "demo_setup", "--print-token", "demo").strip().splitlines()[-1]
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "beautyrec.wsgi", "-w", "2", "--threads", "2", "-b",
             f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/api/v1/health/")
            command = [
                sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/schema/?format=json",
                "-H", f"Authorization: Token {token}", "--checks", CHECKS, "--max-examples", str(args.examples),
                "--max-time", str(args.max_time), "--seed", str(args.seed), "--workers", "2",
                "--phases", "examples,coverage,fuzzing", "--generation-database", "none", "--no-color",
                "--request-timeout", "30", "--suppress-health-check", "all",
            ]
            if args.report:
                command += ["--report", "junit", "--report-junit-path", str(args.report.resolve())]
            started = time.monotonic()
            result = subprocess.run(command, cwd=tmp, env=env)
            print(f"fuzz_api: schemathesis exit {result.returncode} in {time.monotonic() - started:.0f} s")
            return result.returncode
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
