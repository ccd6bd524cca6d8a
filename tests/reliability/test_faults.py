"""Fault injection against the real PostgreSQL, Redis and Celery workers (integration).

- a gpu-queue worker SIGKILLed in the middle of a job: the job is delivered again and completes exactly once;
- the broker goes away: requests answer 503 ``broker_unavailable`` and store nothing; when it is back, jobs run;
- duplicate task deliveries and concurrent duplicate POSTs with one Idempotency-Key write once.

The database-restart fault is in ``test_database_restart.py``. ``FAULTS_LONG=1`` repeats the kills (long mode,
by hand); CI runs the short mode.
"""

import os
import random
import signal
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection

from beautyrec.celery import app as celery_app
from beautyrec.core.models import Job
from recognition.models import Face, Photo
from recognition.services.jobs import TASK_ANALYZE
from tests.conftest import require_services
from tests.core.test_api_basics import assert_error
from tests.integration.test_real_services import poll_job
from tests.recognition.conftest import BLAIR, POWELL, SERENA, upload, upload_array
from tests.reliability.conftest import (
    free_port,
    grid,
    pool_children,
    redis_server,
    spawn_worker,
    stop,
    stored,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LONG = os.environ.get("FAULTS_LONG") == "1"
ANALYZE = "/api/v1/recognition/analyze/"
SEVEN_FACES = [*BLAIR, *POWELL, *SERENA]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def env_for_workers(transactional_db, settings):
    require_services()
    with celery_app.connection_for_write() as conn:
        for queue in ("cpu", "gpu"):
            conn.default_channel.queue_purge(queue)
    return worker_env(DATABASE_URL=database_url(), MEDIA_ROOT=settings.MEDIA_ROOT, MODEL_ROOT=settings.MODEL_ROOT,
                      CELERY_BROKER_URL=settings.CELERY_BROKER_URL)


def wait_for(predicate, timeout: float, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def test_sigkilled_gpu_worker_redelivers_the_job_which_completes_exactly_once(env_for_workers, client_alice,
                                                                               tmp_path):
    worker = spawn_worker(env_for_workers, f"gpu-kill-{os.getpid()}", log=tmp_path / "worker.log", queues="gpu")
    mid_job_kills = 0
    try:
        for round_ in range(5 if LONG else 1):
            response = client_alice.post(ANALYZE, {"image": upload_array(grid(SEVEN_FACES, columns=4))},
                                         format="multipart")
            assert response.status_code == 202, response.content
            job_id = response.json()["id"]
            wait_for(lambda job_id=job_id: Job.objects.get(pk=job_id).status == Job.Status.RUNNING, timeout=60)
            if round_:
                time.sleep(random.uniform(0, 1.0))  # long mode: kill at different points of the job
            children = pool_children(worker.pid)
            assert len(children) == 1
            os.kill(children[0], signal.SIGKILL)  # the pool process running the job dies, as under the OOM killer
            # A late kill (long mode) may find the job already done; one read after the kill tells which it was.
            killed_mid_job = not Job.objects.get(pk=job_id).is_finished
            mid_job_kills += killed_mid_job
            body = poll_job(client_alice, response["Location"], timeout=240)
            job = Job.objects.get(pk=job_id)
            assert body["status"] == "succeeded", (body, (tmp_path / "worker.log").read_text()[-3000:])
            assert job.attempts == (2 if killed_mid_job else 1)  # delivered again after a kill mid-job, only then
            photo = Photo.objects.get(pk=body["result"]["photo_id"])
            faces = list(Face.objects.filter(photo=photo).values_list("index", flat=True))
            assert sorted(faces) == list(range(7)) and photo.face_count == 7  # exactly once: no duplicate faces
            assert len(body["result"]["faces"]) == 7
        print(f"\n{mid_job_kills} of {round_ + 1} kills landed mid-job; each such job ran again and completed once")
        assert mid_job_kills >= 1  # the first kill lands while the new pool process is still loading its models
    finally:
        stop(worker)


def test_duplicate_deliveries_of_one_task_write_once(env_for_workers, client_alice, tmp_path):
    worker = spawn_worker(env_for_workers, f"dup-{os.getpid()}", log=tmp_path / "worker.log")
    try:
        response = client_alice.post(ANALYZE, {"image": upload(SERENA[0])}, format="multipart")
        first = poll_job(client_alice, response["Location"], timeout=240)
        assert first["status"] == "succeeded"
        job = Job.objects.get(pk=first["id"])
        finished_at = job.finished_at
        for _ in range(3):  # the broker delivers the same message again (e.g. after a visibility timeout)
            celery_app.tasks[TASK_ANALYZE].apply_async(args=[str(job.pk)])
        # A marker job queued behind the duplicates tells when the worker has handled them all.
        marker = client_alice.post(ANALYZE, {"image": upload(BLAIR[0])}, format="multipart")
        assert poll_job(client_alice, marker["Location"], timeout=120)["status"] == "succeeded"
        job.refresh_from_db()
        assert (job.attempts, job.finished_at, job.status) == (1, finished_at, "succeeded")
        assert Face.objects.filter(photo_id=first["result"]["photo_id"]).count() == 1
    finally:
        stop(worker)


def test_concurrent_posts_with_one_idempotency_key_make_one_job_and_one_photo(env_for_workers, client_alice,
                                                                              tmp_path):
    worker = spawn_worker(env_for_workers, f"idem-{os.getpid()}", log=tmp_path / "worker.log")
    try:
        responses, barrier = [], threading.Barrier(6)

        def post() -> None:
            barrier.wait()
            responses.append(client_alice.post(ANALYZE, {"image": upload(POWELL[0])}, format="multipart",
                                               HTTP_IDEMPOTENCY_KEY="retry-after-timeout"))
            connection.close()

        threads = [threading.Thread(target=post) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(responses) == 6 and all(r.status_code in (200, 202) for r in responses), responses
        assert len({r.json()["id"] for r in responses}) == 1
        body = poll_job(client_alice, responses[0]["Location"], timeout=240)
        assert body["status"] == "succeeded"
        assert Job.objects.count() == 1 and Photo.objects.count() == 1
        assert stored()["files"] == 1 and Face.objects.count() == 1
    finally:
        stop(worker)


@contextmanager
def publishing_to(url: str):
    """Point this process's Celery producer at another broker (the private one) for the block."""
    old = celery_app.conf.broker_url, celery_app.conf.broker_write_url
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = url

    def reset() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_write_url = old
        reset()


def test_broker_outage_answers_503_stores_nothing_and_recovers(env_for_workers, client_alice, anon_client, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = redis_server(port, tmp_path / "redis.log")
    worker = None
    try:
        with publishing_to(url):
            worker = spawn_worker({**env_for_workers, "CELERY_BROKER_URL": url}, f"outage-{os.getpid()}",
                                  log=tmp_path / "worker.log")
            response = client_alice.post(f"{ANALYZE}?wait=30", {"image": upload(BLAIR[0])}, format="multipart")
            assert poll_job(client_alice, response["Location"], timeout=240)["status"] == "succeeded"
            before = stored()

            stop(redis)  # the broker goes away
            for _ in range(3 if LONG else 1):
                started = time.monotonic()
                response = client_alice.post(f"{ANALYZE}?wait=5", {"image": upload(SERENA[0])}, format="multipart")
                assert_error(response, 503, "broker_unavailable")
                assert time.monotonic() - started < 15
            assert stored() == before  # no photo, job or file left behind
            health = anon_client.get("/api/v1/health/")
            assert health.status_code == 503 and health.json()["checks"]["broker"]["ok"] is False
            subject = client_alice.post("/api/v1/recognition/subjects/", {"name": "still works", "consent": True},
                                        format="json")
            assert subject.status_code == 201  # what needs no broker keeps working

            redis = redis_server(port, tmp_path / "redis.log")  # the broker is back, empty
            response = client_alice.post(ANALYZE, {"image": upload(SERENA[0])}, format="multipart")
            assert response.status_code == 202, response.content
            body = poll_job(client_alice, response["Location"], timeout=120)  # the worker reconnected by itself
            assert body["status"] == "succeeded" and len(body["result"]["faces"]) == 1
    finally:
        if worker is not None:
            stop(worker)
        stop(redis)
