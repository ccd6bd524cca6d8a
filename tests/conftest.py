"""Shared fixtures: users and authenticated API clients, an isolated media folder, a real Celery worker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beautyrec.recommender.services.model import forget_active
from beautyrec.recommender.services.recommend import forget_catalogue

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MODEL_ROOT = str(tmp_path / "models")
    cache.clear()  # throttling counters must not leak between tests
    # Recommendation serving re-reads the catalogue and the active model at most every few seconds, per
    # process; tests (a live server's thread included) change both, so every test starts with a fresh view.
    forget_catalogue()
    forget_active()
    yield


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-pass-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", password="bob-pass-123")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff", password="staff-pass-123", is_staff=True)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def client_alice(user):
    return token_client(user)


@pytest.fixture
def client_bob(other_user):
    return token_client(other_user)


@pytest.fixture
def client_staff(staff_user):
    return token_client(staff_user)


@pytest.fixture
def anon_client():
    return APIClient()


def require_services() -> None:
    """Integration tests fail loudly (never skip) when the real services are not configured."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("integration tests need DATABASE_URL=postgres://... (run them through `make test`)")
    if not settings.CELERY_BROKER_URL:
        pytest.fail("integration tests need CELERY_BROKER_URL=redis://... (run them through `make test`)")


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """A real `celery worker` process on both queues, pointed at the test database and media folder."""
    require_services()
    from django.db import connection

    from beautyrec.celery import app as celery_app

    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with celery_app.connection_for_write() as conn:
        for queue in ("cpu", "gpu"):
            conn.default_channel.queue_purge(queue)  # leftovers of earlier runs must not reach this worker
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": settings.MEDIA_ROOT,
           "MODEL_ROOT": settings.MODEL_ROOT, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "beautyrec", "worker", "-Q", "cpu,gpu", "--concurrency", "1",
         "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h", "-l", "info"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited early:\n{proc.stdout.read()}")
        replies = celery_app.control.ping(destination=[f"test-{os.getpid()}@{os.uname().nodename}"], timeout=1)
        if replies:
            break
    else:
        proc.kill()
        pytest.fail("celery worker did not become ready within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()

