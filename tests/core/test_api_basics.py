"""The API's contract: the error body, auth, jobs visibility, health, schema and docs."""

import subprocess
import sys
import uuid

import pytest

from beautyrec.core.models import Job

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def make_job(owner, **kwargs) -> Job:
    return Job.objects.create(kind="test", task_name="none", owner=owner, **kwargs)


def test_missing_auth_is_401_not_authenticated(anon_client, user):
    job = make_job(user)
    assert_error(anon_client.get(f"/api/v1/jobs/{job.pk}/"), 401, "not_authenticated")


def test_bad_token_is_401_authentication_failed(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error(anon_client.get("/api/v1/jobs/"), 401, "authentication_failed")


def test_unknown_and_malformed_job_ids_are_404(client_alice):
    assert_error(client_alice.get(f"/api/v1/jobs/{uuid.uuid4()}/"), 404, "job_not_found")
    assert_error(client_alice.get("/api/v1/jobs/not-a-uuid/"), 404, "job_not_found")


def test_other_users_job_is_404_not_403(client_bob, user):
    job = make_job(user)
    assert_error(client_bob.get(f"/api/v1/jobs/{job.pk}/"), 404, "job_not_found")
    assert client_bob.get("/api/v1/jobs/").json()["count"] == 0


def test_owner_and_staff_see_the_job(client_alice, client_staff, user):
    job = make_job(user, status=Job.Status.FAILED, error_code="no_face", error_message="No face found.",
                   progress=40, stage="detect")
    for client in (client_alice, client_staff):
        body = client.get(f"/api/v1/jobs/{job.pk}").json()  # the trailing slash is optional
        assert body["status"] == "failed"
        assert body["error"] == {"code": "no_face", "message": "No face found."}
        assert (body["progress"], body["stage"]) == (40, "detect")
        assert body["url"] == f"/api/v1/jobs/{job.pk}/"


def test_job_list_is_paginated(client_alice, user):
    for _ in range(25):
        make_job(user)
    first = client_alice.get("/api/v1/jobs/?page_size=10").json()
    assert first["count"] == 25 and len(first["results"]) == 10 and first["next"]
    assert len(client_alice.get("/api/v1/jobs/?page=3&page_size=10").json()["results"]) == 5
    assert_error(client_alice.get("/api/v1/jobs/?page=9"), 404, "not_found")


def test_malformed_json_is_400(anon_client):
    response = anon_client.post("/api/v1/auth/token/", data='{"username": "a", ', content_type="application/json")
    assert_error(response, 400, "malformed_request")


def test_validation_errors_list_fields(anon_client):
    error = assert_error(anon_client.post("/api/v1/auth/token/", {"username": "a"}, format="json"), 400, "invalid")
    assert "password" in error["details"]


def test_token_exchange(anon_client, user):
    assert_error(anon_client.post("/api/v1/auth/token/", {"username": "alice", "password": "wrong"}, format="json"),
                 400, "invalid_credentials")
    body = anon_client.post("/api/v1/auth/token/", {"username": "alice", "password": "alice-pass-123"},
                            format="json").json()
    assert body["username"] == "alice" and len(body["token"]) == 40
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert anon_client.get("/api/v1/jobs/").status_code == 200


def test_unknown_api_path_and_wrong_method(client_alice):
    assert_error(client_alice.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(client_alice.delete("/api/v1/jobs/"), 405, "method_not_allowed")


def test_anonymous_throttling_answers_429_with_retry_after(anon_client, monkeypatch):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/min"})
    attempt = {"username": "nobody", "password": "guess"}
    codes = [anon_client.post("/api/v1/auth/token/", attempt, format="json").status_code for _ in range(3)]
    response = anon_client.post("/api/v1/auth/token/", attempt, format="json")
    assert codes == [400, 400, 400]
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_health_reports_each_component(anon_client):
    response = anon_client.get("/api/v1/health/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "mode": "eager",
                                        "detail": "no broker configured; tasks run in-process"}
    assert body["checks"]["models"]["ok"] is True


def test_health_is_503_when_a_model_file_is_missing(anon_client):
    from beautyrec.core.models import ModelVersion

    ModelVersion.objects.create(kind="gan", version="v-missing", uri="gan/missing.pt", is_active=True)
    response = anon_client.get("/api/v1/health/")
    assert response.status_code == 503
    files = response.json()["checks"]["models"]["files"]
    assert files["gan:v-missing"]["ok"] is False


def test_schema_and_docs_are_served_without_a_cdn(anon_client, client_alice):
    schema = client_alice.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/jobs/{job_id}/" in paths and "/api/v1/health/" in paths
    docs = anon_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_missing_secret_key_with_debug_off_stops_startup():
    env = {"DEBUG": "0", "SECRET_KEY": "", "DJANGO_SETTINGS_MODULE": "beautyrec.settings", "PATH": "/usr/bin"}
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "SECRET_KEY is not set" in proc.stderr


def test_deploy_checks_pass_with_production_settings(tmp_path):
    env = {"DEBUG": "0", "SECRET_KEY": "k" * 20 + "production-only-secret-value-0123456789abcdef",
           "ALLOWED_HOSTS": "api.example.com", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout
