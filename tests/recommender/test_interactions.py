"""Interaction ingestion: single and batch events, per-user idempotency, validation codes, own-list only."""

import pytest

from beautyrec.recommender.models import Interaction
from tests.core.test_api_basics import assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/interactions/"


def test_single_event_and_retry_is_not_double_counted(client_alice, user, catalogue):
    event = {"product": catalogue[0].id, "kind": "like", "client_event_id": "e-1"}
    first = client_alice.post(URL, event, format="json")
    assert first.status_code == 201 and first.json() == {"created": 1, "duplicates": 0}
    again = client_alice.post(URL, event, format="json")
    assert again.status_code == 201 and again.json() == {"created": 0, "duplicates": 1}
    assert Interaction.objects.filter(user=user).count() == 1


def test_batch_with_rating_try_on_and_in_batch_repeat(client_alice, user, catalogue):
    preview = "0b8f4a52-64c4-4b47-9a65-2d0f1f3c9e10"
    batch = [
        {"product": catalogue[0].id, "kind": "view", "client_event_id": "b-1", "timestamp": "2026-01-02T10:00:00Z"},
        {"product": catalogue[1].id, "kind": "rating", "value": 4.5, "client_event_id": "b-2"},
        {"product": catalogue[2].id, "kind": "try_on", "preview": preview, "client_event_id": "b-3"},
        {"product": catalogue[2].id, "kind": "try_on", "preview": preview, "client_event_id": "b-3"},
    ]
    response = client_alice.post(URL, batch, format="json")
    assert response.status_code == 201 and response.json() == {"created": 3, "duplicates": 1}
    stored = {i.client_event_id: i for i in Interaction.objects.filter(user=user)}
    assert stored["b-2"].value == 4.5 and str(stored["b-3"].preview) == preview
    assert stored["b-1"].timestamp.isoformat() == "2026-01-02T10:00:00+00:00"


def test_same_event_id_is_per_user(client_alice, client_bob, catalogue):
    event = {"product": catalogue[0].id, "kind": "click", "client_event_id": "shared-id"}
    assert client_alice.post(URL, event, format="json").json() == {"created": 1, "duplicates": 0}
    assert client_bob.post(URL, event, format="json").json() == {"created": 1, "duplicates": 0}


@pytest.mark.parametrize(("event", "field"), [
    ({"kind": "rating", "client_event_id": "x"}, "value"),
    ({"kind": "rating", "value": 9, "client_event_id": "x"}, "value"),
    ({"kind": "like", "value": 3, "client_event_id": "x"}, "value"),
    ({"kind": "like", "preview": "0b8f4a52-64c4-4b47-9a65-2d0f1f3c9e10", "client_event_id": "x"}, "preview"),
    ({"kind": "stare", "client_event_id": "x"}, "kind"),
    ({"kind": "like", "client_event_id": ""}, "client_event_id"),
    ({"kind": "like", "client_event_id": "x", "timestamp": "2999-01-01T00:00:00Z"}, "timestamp"),
    ({"kind": "like", "client_event_id": "x", "product": 999999}, "product"),
])
def test_invalid_events_are_rejected_and_nothing_is_stored(client_alice, catalogue, event, field):
    body = {"product": catalogue[0].id, **event}
    response = client_alice.post(URL, [{"product": catalogue[1].id, "kind": "view", "client_event_id": "ok"}, body],
                                 format="json")
    details = assert_error(response, 400, "invalid")["details"]
    assert field in details["1"]  # the error says which event of the batch and which field
    assert not Interaction.objects.exists()


def test_empty_and_oversized_batches(client_alice, catalogue):
    assert_error(client_alice.post(URL, [], format="json"), 400, "empty_batch")
    big = [{"product": catalogue[0].id, "kind": "view", "client_event_id": f"v{i}"} for i in range(501)]
    assert_error(client_alice.post(URL, big, format="json"), 400, "batch_too_large")


def test_list_shows_only_own_events_newest_first(client_alice, client_bob, catalogue, anon_client):
    client_alice.post(URL, [
        {"product": catalogue[0].id, "kind": "view", "client_event_id": "a1", "timestamp": "2026-01-01T00:00:00Z"},
        {"product": catalogue[1].id, "kind": "purchase", "client_event_id": "a2", "timestamp": "2026-01-03T00:00:00Z"},
    ], format="json")
    client_bob.post(URL, {"product": catalogue[2].id, "kind": "like", "client_event_id": "b1"}, format="json")
    body = client_alice.get(URL).json()
    assert body["count"] == 2
    assert [r["client_event_id"] for r in body["results"]] == ["a2", "a1"]
    assert body["results"][0]["product"] == catalogue[1].id
    assert_error(anon_client.get(URL), 401, "not_authenticated")
