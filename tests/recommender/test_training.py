"""train_recommender on the service's interactions: a registered, active version that serving then uses."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from beautyrec.core.models import Job, ModelVersion
from beautyrec.recommender.models import Interaction
from beautyrec.recommender.tasks import schedule_training

pytestmark = pytest.mark.django_db
URL = "/api/v1/recommendations/"
CHAINS = 6


def browse_in_chains(django_user_model, catalogue, users: int = 60) -> list[list]:
    """Each shopper follows a stretch of 3-4 steps of one of six fixed product chains, in order: co-occurrence
    and order for the sources and the sequence model to learn."""
    chains = [catalogue[i::CHAINS][:6] for i in range(CHAINS)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for u in range(users):
        shopper = django_user_model.objects.create_user(username=f"shopper{u}")
        start_at = (u // CHAINS) % 3
        steps = chains[u % CHAINS][start_at:start_at + 3 + (u // (2 * CHAINS)) % 2]
        for i, product in enumerate(steps):
            rows.append(Interaction(user=shopper, product=product, kind="like" if i % 2 else "add_to_cart",
                                    client_event_id=f"{u}-{i}", timestamp=start + timedelta(hours=u, minutes=i)))
    Interaction.objects.bulk_create(rows)
    return chains


def test_training_registers_a_version_and_serving_uses_history(client_alice, user, django_user_model, catalogue,
                                                                capsys):
    chains = browse_in_chains(django_user_model, catalogue)
    call_command("train_recommender", "--epochs", "15", "--threads", "1")
    printed = json.loads(capsys.readouterr().out)
    mv = ModelVersion.objects.get(kind="recommender", is_active=True)
    assert printed["model_version"] == mv.version and mv.training_command.startswith("python manage.py")
    assert mv.metrics["users"] == 60 and mv.metrics["items"] == len(catalogue)
    assert mv.metrics["sequence_model"]["users"] == 60
    assert mv.metrics["reranker"]["kind"] == "logistic_regression"
    assert mv.metrics["reranker"]["held_out_user_auc"] > 0.8

    first = chains[0][0]
    client_alice.post("/api/v1/interactions/", {"product": first.id, "kind": "like", "client_event_id": "a"},
                      format="json")
    body = client_alice.get(URL, {"k": 3}).json()
    assert body["model_version"] == mv.version
    top = body["results"][0]
    # Shoppers who started with this product went on to the next ones of its chain (same co-occurrence).
    assert top["product"]["id"] in {p.id for p in chains[0][1:4]}
    assert f"because you liked {first.brand} {first.name} {first.shade_name}" in top["reasons"]


def test_nightly_entry_submits_one_training_job_per_day(settings, django_user_model, catalogue,
                                                         django_capture_on_commit_callbacks):
    entry = settings.CELERY_BEAT_SCHEDULE["recommender-nightly-training"]
    assert entry["task"] == "recommender.schedule_training" and entry["options"]["queue"] == "cpu"
    browse_in_chains(django_user_model, catalogue, users=24)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = schedule_training()
    assert schedule_training() == job_id
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded", job.error_message
    assert job.progress == 100 and job.result["model_version"]
    assert job.result["metrics"]["sequence_model"] is None  # too few sequences for SASRec: sources + re-ranker
    assert ModelVersion.objects.get(kind="recommender", is_active=True).version == job.result["model_version"]
