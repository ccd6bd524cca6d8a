"""Load test: N concurrent clients doing analyze + recommend + preview against a live server with real workers.

Each client loops over: POST /recognition/analyze/ (a real face photo, ``?wait=``, polled to the end when the
wait runs out), GET /recommendations/ (twice as often), and POST /previews/ (a lipstick on the photo it
analysed). Latency is end to end: until the job's result is there. Printed: throughput, p50/p95/p99 per
operation, errors (any non-2xx answer or failed or unfinished job) and the broker's queue depths over the run.

    # against a running server (its workers, its broker for the queue depth):
    python bench/load.py --url http://127.0.0.1:8000 --token TOKEN --broker redis://127.0.0.1:6379/0
    # start everything here (gunicorn + a gpu and a cpu worker) on $DATABASE_URL and $CELERY_BROKER_URL:
    python bench/load.py --start --clients 20 --duration 60
    python bench/load.py --start --short      # CI: 4 clients for 10 s
    # many machines: 2 web servers (own ports, clients spread over them) and 2 gpu workers, vs 1 + 1:
    python bench/load.py --start --web 2 --gpu 2 --clients 20 --duration 60

``--web N`` starts N gunicorn servers (2 processes x 12 threads each, on their own ports, as N web machines;
client i talks to server i mod N) and ``--gpu M`` M gpu workers (concurrency 1 each), with their own
MEDIA_ROOT each: give STORAGE_BACKEND=s3 (and GALLERY_BACKEND=pgvector) in the environment so they share
files through the bucket, as separate machines must.
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import redis
import requests
from fuzz_api import TEST_CATALOGUE, manage  # bench/ is on sys.path when a bench script runs

ROOT = Path(__file__).resolve().parents[1]
FACES = sorted((ROOT / "tests" / "fixtures" / "faces").glob("*.jpg"))
LIPSTICK = {"category": "lipstick", "shade": "#a82a40", "finish": "matte", "intensity": 0.8}
OPERATIONS = ("analyze", "recommend", "recommend", "preview")
JOB_TIMEOUT = 180.0


class Client:
    def __init__(self, base: str, token: str, wait: float) -> None:
        self.base, self.wait = base, wait
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Token {token}"
        self.photo_id: str | None = None

    def _job(self, response: requests.Response) -> tuple[bool, str]:
        """Follow a job answer to its end; returns (ok, error label)."""
        if response.status_code not in (200, 202):
            return False, f"{response.status_code} {response.json().get('error', {}).get('code', '')}"
        body, deadline = response.json(), time.monotonic() + JOB_TIMEOUT
        while body["status"] not in ("succeeded", "failed"):
            if time.monotonic() > deadline:
                return False, "job timeout"
            time.sleep(0.25)
            body = self.http.get(f"{self.base}{body['url']}", timeout=30).json()
        if body["status"] == "failed":
            return False, f"job failed {body['error']['code']}"
        if body["kind"] == "face_analyze":
            self.photo_id = body["result"]["photo_id"]
        return True, ""

    def run(self, op: str, n: int) -> tuple[bool, str]:
        if op == "preview" and self.photo_id is None:
            op = "analyze"
        if op == "analyze":
            face = FACES[n % len(FACES)]
            response = self.http.post(f"{self.base}/api/v1/recognition/analyze/?wait={self.wait}",
                                      files={"image": (face.name, face.read_bytes(), "image/jpeg")}, timeout=60)
            return self._job(response)
        if op == "recommend":
            response = self.http.get(f"{self.base}/api/v1/recommendations/?category=foundation&k=10", timeout=60)
            return response.status_code == 200, "" if response.status_code == 200 else str(response.status_code)
        response = self.http.post(f"{self.base}/api/v1/previews/?wait={self.wait}",
                                  json={"photo_id": self.photo_id, "items": [LIPSTICK]}, timeout=60)
        return self._job(response)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] if ordered else float("nan")


def run_load(bases: list[str], token: str, clients: int, duration: float, wait: float, broker: str | None) -> dict:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    depths: dict[str, list[int]] = defaultdict(list)
    lock, stop = threading.Lock(), threading.Event()
    started = time.monotonic()

    def client_loop(index: int) -> None:
        client = Client(bases[index % len(bases)], token, wait)
        for n in itertools.count(index):
            if time.monotonic() - started >= duration:
                return
            op = OPERATIONS[n % len(OPERATIONS)]
            t0 = time.monotonic()
            try:
                ok, error = client.run(op, n)
            except (requests.RequestException, ValueError) as exc:
                ok, error = False, type(exc).__name__
            with lock:
                (samples[op] if ok else errors[op]).append(time.monotonic() - t0 if ok else error)

    def watch_queues() -> None:
        queue = redis.Redis.from_url(broker)
        while not stop.wait(0.5):
            for name in ("gpu", "cpu"):
                depths[name].append(queue.llen(name))

    watcher = threading.Thread(target=watch_queues, daemon=True) if broker else None
    if watcher:
        watcher.start()
    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    stop.set()
    done = sum(len(v) for v in samples.values())
    report = {
        "web_servers": len(bases), "clients": clients, "duration_s": round(elapsed, 1), "completed": done,
        "throughput_per_s": round(done / elapsed, 2), "errors": sum(len(v) for v in errors.values()),
        "operations": {op: {"n": len(v), "errors": len(errors[op]),
                            **{f"p{q}_ms": round(percentile(v, q) * 1000) for q in (50, 95, 99)}}
                       for op, v in sorted(samples.items())},
        "error_kinds": {op: dict(sorted({e: v.count(e) for e in v}.items())) for op, v in errors.items() if v},
        "queue_depth": {name: {"max": max(v), "mean": round(statistics.fmean(v), 1)} for name, v in depths.items()
                        if v},
    }
    for op in errors:
        report["operations"].setdefault(op, {"n": 0, "errors": len(errors[op])})
    return report


def start_stack(port: int, logs: Path, catalogue: Path | None, web: int = 1,
                gpu: int = 1) -> tuple[list[str], str, str, list[subprocess.Popen]]:
    """``web`` gunicorn servers (2 processes x 12 threads each) + ``gpu`` gpu workers + a cpu worker on
    $DATABASE_URL / $CELERY_BROKER_URL; returns the servers' base URLs, the token, the broker, the processes."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("CELERY_BROKER_URL"):
        raise SystemExit("--start needs DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...")
    env = {**os.environ, "THROTTLE_USER": "1000000/min", "OMP_NUM_THREADS": "1", "ML_NUM_THREADS": "1",
           "LOG_LEVEL": "WARNING", "MEDIA_ROOT": str(logs / "media")}
    shared_disk = env.get("STORAGE_BACKEND", "local") == "local"

    def own(name: str) -> dict[str, str]:
        """A machine's environment: its own media folder unless the files are local (then all share one)."""
        return env if shared_disk else {**env, "MEDIA_ROOT": str(logs / name / "media"),
                                        "MODEL_ROOT": str(logs / name / "models")}
    manage(env, "migrate", "--noinput")
    manage(env, "demo_setup")
    manage(env, "load_demo_catalog", *(["--source", str(catalogue)] if catalogue else []))
    token = manage(env, "demo_setup", "--print-token", "demo").strip().splitlines()[-1]
    broker = env["CELERY_BROKER_URL"]
    redis.Redis.from_url(broker).delete("gpu", "cpu")
    celery = [sys.executable, "-m", "celery", "-A", "beautyrec", "worker", "--without-gossip", "--without-mingle",
              "-l", "warning"]
    processes = [
        subprocess.Popen([*celery, "-Q", "gpu", "--concurrency", "1", "--prefetch-multiplier", "1", "-n",
                          f"load-gpu{n}-{os.getpid()}@%h"], env=own(f"gpu{n}"),
                         stdout=open(logs / f"gpu{n}.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
        for n in range(gpu)
    ]
    processes.append(subprocess.Popen([*celery, "-Q", "cpu", "--concurrency", "1", "-n",
                                       f"load-cpu-{os.getpid()}@%h"], env=own("cpu"),
                                      stdout=open(logs / "cpu.log", "w"), stderr=subprocess.STDOUT))  # noqa: SIM115
    bases = [f"http://127.0.0.1:{port + n}" for n in range(web)]
    processes += [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "beautyrec.wsgi", "-w", "2", "--threads", "12", "-b",
                          base.removeprefix("http://")], cwd=ROOT, env=own(f"web{n}"),
                         stdout=open(logs / f"web{n}.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
        for n, base in enumerate(bases)
    ]
    for base in bases:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/api/v1/products/", headers={"Authorization": f"Token {token}"},
                                timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
    # Analyzes and previews first, so every worker loads its models before the clock starts.
    for n in range(gpu):
        warm = Client(bases[n % web], token, wait=60)
        for op in ("analyze", "preview"):
            ok, error = warm.run(op, n)
            if not ok:
                raise SystemExit(f"warm-up {op} failed: {error} (logs in {logs})")
    return bases, token, broker, processes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="base URL of a running server")
    parser.add_argument("--token", help="API token (with --url)")
    parser.add_argument("--broker", help="the server's broker URL, to sample queue depths (with --url)")
    parser.add_argument("--start", action="store_true", help="start gunicorn and workers here (see above)")
    parser.add_argument("--short", action="store_true", help="CI mode: 4 clients, 10 s, the test catalogue")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--wait", type=float, default=30.0, help="?wait= seconds on job requests")
    parser.add_argument("--port", type=int, default=8765, help="first port (--web N uses N from here)")
    parser.add_argument("--web", type=int, default=1, help="gunicorn servers to start (with --start)")
    parser.add_argument("--gpu", type=int, default=1, help="gpu workers to start (with --start)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    if args.short:
        args.clients, args.duration = 4, 10.0
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="beautyrec-load-") as tmp:
        try:
            if args.start:
                catalogue = TEST_CATALOGUE if args.short else None
                bases, token, broker, processes = start_stack(args.port, Path(tmp), catalogue, args.web, args.gpu)
            else:
                if not (args.url and args.token):
                    parser.error("give --url and --token, or --start")
                bases, token, broker = [args.url.rstrip("/")], args.token, args.broker
            report = run_load(bases, token, args.clients, args.duration, args.wait, broker)
        finally:
            for proc in processes:
                proc.terminate()
            for proc in processes:
                proc.wait(timeout=30)
    report["gpu_workers"] = args.gpu if args.start else None
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if report["errors"] == 0 and report["completed"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
