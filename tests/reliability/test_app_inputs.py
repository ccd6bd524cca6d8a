"""Bad input and privacy for recommendations, interactions and previews: 4xx with a stable code, nothing stored,
and another user's previews, interactions and profile never reach you."""

import json

import numpy as np
import pytest

from beautyrec.recommender.models import Interaction, Product
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from gan.models import Preview
from tests.conftest import FIXTURES
from tests.core.test_api_basics import assert_error
from tests.recognition.conftest import BLAIR, SERENA, upload, upload_array
from tests.reliability.conftest import stored

pytestmark = pytest.mark.django_db(transaction=True)

RECOMMEND, INTERACTIONS, PREVIEWS = "/api/v1/recommendations/", "/api/v1/interactions/", "/api/v1/previews/"
LIPSTICK = {"category": "lipstick", "shade": "#aa3344", "finish": "matte", "intensity": 0.8}


@pytest.fixture
def catalogue(db) -> list[Product]:
    import_catalog(content=rows_to_csv(demo_rows(FIXTURES / "shared_subset")), filename="subset.csv")
    return list(Product.objects.order_by("id"))


def everything() -> dict[str, int]:
    return {**stored(), "previews": Preview.objects.count(), "interactions": Interaction.objects.count()}


@pytest.mark.parametrize("k", ["-1", "0", "51", "1000000000000", "1e3", "abc", "", "5.5", "+3", " 3"])
def test_bad_k_is_400_invalid_k(client_alice, catalogue, k):
    assert_error(client_alice.get(RECOMMEND, {"k": k, "category": "foundation"}), 400, "invalid_k")


@pytest.mark.parametrize("category", ["perfume", "FOUNDATION", "x" * 5000, "lipstick'--"])
def test_bad_category_is_400_invalid_category(client_alice, catalogue, category):
    assert_error(client_alice.get(RECOMMEND, {"k": 3, "category": category}), 400, "invalid_category")


def event(item: Product, **fields) -> dict:
    return {"product": item.pk, "kind": "view", "client_event_id": "e-1"} | fields


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"product": 99_999_999}, "invalid", "product"),
    ({"product": "lipstick"}, "invalid", "product"),
    ({"product": -1}, "invalid", "product"),
    ({"kind": "steal"}, "invalid", "kind"),
    ({"kind": "rating", "value": "five"}, "invalid", "value"),
    ({"kind": "rating", "value": 1e308}, "invalid", "value"),
    ({"client_event_id": "x" * 10_000}, "invalid", "client_event_id"),
    ({"client_event_id": ["not", "a", "string"]}, "invalid", "client_event_id"),
    ({"timestamp": "yesterday"}, "invalid", "timestamp"),
    ({"preview": "not-a-uuid", "kind": "try_on"}, "invalid", "preview"),
    ({"user": 1}, "unknown_field", None),
])
def test_bad_interactions_are_refused_and_nothing_is_stored(client_alice, catalogue, change, code, field):
    for body in (event(catalogue[0], **change), [event(catalogue[1], client_event_id="ok-1"),
                                                 event(catalogue[0], **change)]):
        error = assert_error(client_alice.post(INTERACTIONS, body, format="json"), 400, code)
        if code == "unknown_field":
            assert error["details"] == {"fields": ["user"]}
    assert Interaction.objects.count() == 0


def test_malformed_interaction_bodies(client_alice, catalogue):
    for raw in (b'{"product": 1, "kind": "view",', b"\x00\x01\x02", b'"just a string"', b"12"):
        response = client_alice.generic("POST", INTERACTIONS, raw, content_type="application/json")
        assert response.status_code == 400 and response.json()["error"]["code"] in ("malformed_request", "invalid")
    assert_error(client_alice.post(INTERACTIONS, [], format="json"), 400, "empty_batch")
    many = [event(catalogue[0], client_event_id=f"e-{i}") for i in range(501)]
    assert_error(client_alice.post(INTERACTIONS, many, format="json"), 400, "batch_too_large")
    assert Interaction.objects.count() == 0


def preview(client, data: dict, fmt: str = "json", **extra):
    return client.post(f"{PREVIEWS}?wait=20", data, format=fmt, **extra)


@pytest.mark.parametrize(("items", "code"), [
    ([{**LIPSTICK, "shade": "#aa33"}], "invalid_shade"),
    ([{**LIPSTICK, "shade": "#gg3344"}], "invalid_shade"),
    ([{**LIPSTICK, "shade": "javascript:alert(1)"}], "invalid_shade"),
    ([{**LIPSTICK, "shade": 0xAA3344}], "invalid_shade"),
    ([{"product": 99_999_999}], "unknown_product"),
    ([{"product": "12; DROP TABLE"}], "unknown_product"),
    ([{**LIPSTICK, "intensity": -0.5}], "invalid_intensity"),
    ([LIPSTICK] * 1000, "too_many_items"),
    ("not json", "invalid"),
    (5, "invalid_items"),
    ([], "invalid_items"),
])
def test_bad_preview_items_are_refused_and_nothing_is_stored(client_alice, catalogue, items, code):
    body = {"image": upload(BLAIR[0]), "items": items if isinstance(items, str) else json.dumps(items)}
    response = preview(client_alice, body, fmt="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    counts = everything()
    assert (counts["photos"], counts["jobs"], counts["files"], counts["previews"]) == (0, 0, 0, 0)


def test_preview_unknown_field_bad_wait_and_no_face_store_nothing(client_alice, catalogue):
    error = assert_error(preview(client_alice, {"image": upload(BLAIR[0]), "items": json.dumps([LIPSTICK]),
                                                "colour": "red"}, fmt="multipart"), 400, "unknown_field")
    assert error["details"] == {"fields": ["colour"]}
    response = client_alice.post(f"{PREVIEWS}?wait=soon", {"image": upload(BLAIR[0]), "items": json.dumps([LIPSTICK])},
                                 format="multipart")
    assert_error(response, 400, "invalid")
    assert everything()["photos"] == everything()["jobs"] == 0
    flat = upload_array(np.full((240, 240, 3), 170, np.uint8))
    assert_error(preview(client_alice, {"image": flat, "items": json.dumps([LIPSTICK])}, fmt="multipart"), 422,
                 "no_face")
    counts = everything()
    assert (counts["photos"], counts["files"], counts["previews"], counts["jobs"]) == (0, 0, 0, 1)


def test_other_users_previews_interactions_and_profile_never_reach_you(client_alice, client_bob, catalogue):
    made = preview(client_alice, {"image": upload(SERENA[0]), "items": json.dumps([LIPSTICK])}, fmt="multipart")
    assert made.status_code == 200 and made.json()["status"] == "succeeded", made.content
    preview_id = made.json()["result"]["preview"]
    photo_id = str(Preview.objects.get(pk=preview_id).photo_id)
    alice_event = client_alice.post(INTERACTIONS, event(catalogue[0], kind="try_on", preview=preview_id),
                                    format="json")
    assert alice_event.status_code == 201
    before = everything()
    for method, url in (("get", f"{PREVIEWS}{preview_id}/"), ("delete", f"{PREVIEWS}{preview_id}/"),
                        ("get", f"{PREVIEWS}{preview_id}/images/0/")):
        assert_error(getattr(client_bob, method)(url), 404, "preview_not_found")
    assert_error(preview(client_bob, {"photo_id": photo_id, "items": [LIPSTICK]}), 404, "photo_not_found")
    assert client_bob.get(PREVIEWS).json()["count"] == 0
    assert client_bob.get(INTERACTIONS).json()["count"] == 0
    # Bob reusing alice's client_event_id stores his own event, and does not touch hers.
    assert client_bob.post(INTERACTIONS, event(catalogue[0]), format="json").json() == {"created": 1,
                                                                                        "duplicates": 0}
    # Alice's selfie gives her a profile; bob, without one, gets none of hers.
    assert client_alice.get(RECOMMEND, {"k": 3}).json()["profile"] is not None
    assert client_bob.get(RECOMMEND, {"k": 3}).json()["profile"] is None
    assert everything() == {**before, "interactions": before["interactions"] + 1}
    assert client_alice.get(f"{PREVIEWS}{preview_id}/images/0/").status_code == 200
