"""Recommender on PostgreSQL + Redis + a real worker: idempotent ingestion, nightly training job, serving."""

import time

import pytest

from beautyrec.core.models import Job, ModelVersion
from beautyrec.recommender.models import Interaction
from beautyrec.recommender.tasks import schedule_training
from tests.recommender.test_training import browse_in_chains

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_duplicate_events_on_postgres(client_alice, user, catalogue):
    batch = [{"product": catalogue[i % 3].id, "kind": "view", "client_event_id": f"e{i % 4}"} for i in range(8)]
    assert client_alice.post("/api/v1/interactions/", batch, format="json").json() == {"created": 4,
                                                                                        "duplicates": 4}
    assert client_alice.post("/api/v1/interactions/", batch, format="json").json() == {"created": 0,
                                                                                        "duplicates": 8}
    assert Interaction.objects.filter(user=user).count() == 4


def test_nightly_training_runs_on_the_cpu_worker_and_serving_picks_it_up(celery_worker_process, client_alice,
                                                                        django_user_model, catalogue):
    chains = browse_in_chains(django_user_model, catalogue, users=30)
    job = Job.objects.get(pk=schedule_training())
    deadline = time.monotonic() + 180
    while job.status not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        job.refresh_from_db()
    assert job.status == "succeeded", job.error_message
    assert job.progress == 100
    mv = ModelVersion.objects.get(kind="recommender", is_active=True)
    assert mv.version == job.result["model_version"] and mv.metrics["users"] == 30
    client_alice.post("/api/v1/interactions/", {"product": chains[1][0].id, "kind": "like",
                                                "client_event_id": "x"}, format="json")
    body = client_alice.get("/api/v1/recommendations/", {"k": 3}).json()
    assert body["model_version"] == mv.version
    assert body["results"][0]["product"]["id"] in {p.id for p in chains[1][1:4]}
