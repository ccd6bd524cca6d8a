"""Helpers for the reliability tests: what is stored right now, real face images in every shape, and real
processes (workers, a private redis-server) for the fault tests."""

import io
import os
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from beautyrec.core.models import Job
from recognition.models import Face, Photo, Subject


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored() -> dict[str, int]:
    """Counts of everything a request could leave behind (rows and files)."""
    return {"photos": Photo.objects.count(), "faces": Face.objects.count(), "jobs": Job.objects.count(),
            "subjects": Subject.objects.count(), "files": len(media_files())}


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def as_upload(data: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims ``width`` x ``height`` RGB pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
            + chunk(b"IEND", b""))


def grid(paths: list[Path], columns: int) -> np.ndarray:
    """Real faces tiled into one image (rows of ``columns``), for many-face requests."""
    tiles = [np.asarray(Image.open(p).convert("RGB")) for p in paths]
    height, width = max(t.shape[0] for t in tiles), max(t.shape[1] for t in tiles)
    tiles = [np.pad(t, ((0, height - t.shape[0]), (0, width - t.shape[1]), (0, 0))) for t in tiles]
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
    rows = [np.concatenate(tiles[i:i + columns], axis=1) for i in range(0, len(tiles), columns)]
    return np.concatenate(rows, axis=0)


def worker_env(**overrides: str) -> dict[str, str]:
    """Environment for a worker or server subprocess: this one, one thread for torch, plus ``overrides``."""
    return {**os.environ, "OMP_NUM_THREADS": "1", "ML_NUM_THREADS": "1", "LOG_LEVEL": "INFO", **overrides}


def spawn_worker(env: dict[str, str], name: str, log: Path, queues: str = "cpu,gpu") -> subprocess.Popen:
    """A real `celery worker` (one pool process, one message at a time), returned once its log says it is ready.

    Readiness comes from the log, not a ping, because the worker may use another broker than this process.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "beautyrec", "worker", "-Q", queues, "--concurrency", "1",
         "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle", "-n", f"{name}@%h", "-l", "info"],
        env=env, stdout=open(log, "a"), stderr=subprocess.STDOUT,  # noqa: SIM115 - open for the process's life
    )
    ready = f"{name}@{os.uname().nodename} ready."
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker {name} exited early:\n{log.read_text()[-3000:]}")
        if log.exists() and ready in log.read_text():
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"worker {name} was not ready within 90 s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def pool_children(pid: int) -> list[int]:
    """The pool processes of a worker (the ones that run tasks), from /proc."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def redis_server(port: int, log: Path) -> subprocess.Popen:
    """A private, memory-only redis-server, so a test can stop the broker without touching the shared one."""
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=open(log, "a"), stderr=subprocess.STDOUT)  # noqa: SIM115
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"redis-server on port {port} did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fresh_database(suffix: str) -> Iterator[str]:
    """An empty PostgreSQL database beside the test database (for a server started by a script); dropped after."""
    import psycopg

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_{suffix}"
    admin = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db.get("PASSWORD") or None,
                            dbname="postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
