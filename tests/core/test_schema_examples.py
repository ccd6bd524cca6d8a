"""The OpenAPI schema documents every operation with examples: each request media type, each success
response with a body, and each error response (whose description names its error codes)."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def documented_media(media_type: str) -> bool:
    """Binary bodies (image bytes) have no meaningful example; every JSON or form body must have one."""
    return not media_type.startswith("image/")


def has_examples(media: dict) -> bool:
    return bool(media.get("examples") or "example" in media)


def test_the_schema_has_the_known_operations(schema):
    names = {name for name, _ in operations(schema)}
    assert {"POST /api/v1/auth/token/", "GET /api/v1/jobs/{job_id}/", "POST /api/v1/recognition/analyze/",
            "GET /api/v1/products/", "POST /api/v1/catalog/imports/", "DELETE /api/v1/me/biometrics/"} <= names


def test_every_operation_has_request_and_response_examples(schema):
    missing = []
    for name, operation in operations(schema):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            if not has_examples(media):
                missing.append(f"{name}: request {media_type}")
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                if documented_media(media_type) and not has_examples(media):
                    missing.append(f"{name}: response {status} {media_type}")
    assert missing == []


def test_every_error_response_names_its_codes(schema):
    for name, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status[0] not in "45":
                continue
            media = response["content"]["application/json"]
            if media["schema"] != {"$ref": "#/components/schemas/Error"}:
                continue  # health's 503 is its readiness report, not an error body
            examples = media["examples"]
            codes = {e["value"]["error"]["code"] for e in examples.values()}
            assert codes, f"{name} {status}"
            for code in codes:
                assert f"`{code}`" in response["description"], f"{name} {status} does not name {code}"
            assert re.fullmatch(r"[a-z0-9_]+", min(codes))


def test_success_examples_match_their_status(schema):
    analyze = schema["paths"]["/api/v1/recognition/analyze/"]["post"]["responses"]
    finished = next(iter(analyze["200"]["content"]["application/json"]["examples"].values()))["value"]
    queued = next(iter(analyze["202"]["content"]["application/json"]["examples"].values()))["value"]
    assert (finished["status"], finished["kind"]) == ("succeeded", "face_analyze")
    assert len(finished["result"]["faces"][0]["landmarks"]) == 68
    assert (queued["status"], queued["result"]) == ("queued", None)
    no_face = analyze["422"]["content"]["application/json"]["examples"]["422NoFace"]["value"]
    assert no_face["error"]["code"] == "no_face"
