"""OpenAPI examples of the core endpoints (auth, health, jobs), recorded from a real run of the service."""

from beautyrec.core.api.examples import error_example, request_examples, response_example

ANALYZE_JOB_ID = "92c50522-ea83-43fb-8872-207a8fbd9287"
RUNNING_ANALYSIS = {
    "id": ANALYZE_JOB_ID, "kind": "face_analyze", "status": "running", "progress": 40, "stage": "embedding",
    "result": None, "error": None, "created_at": "2026-11-25T20:43:48.301112Z",
    "started_at": "2026-11-25T20:43:48.322087Z", "finished_at": None, "url": f"/api/v1/jobs/{ANALYZE_JOB_ID}/",
}
FAILED_ANALYSIS = {
    **RUNNING_ANALYSIS, "id": "ccd3d7c9-19ba-4c60-b1cd-5ac1060d3b40", "status": "failed", "progress": 30,
    "stage": "detection", "error": {"code": "no_face", "message": "No face was found in the image."},
    "finished_at": "2026-11-25T20:43:51.244020Z", "url": "/api/v1/jobs/ccd3d7c9-19ba-4c60-b1cd-5ac1060d3b40/",
}
FINISHED_IMPORT = {
    "id": "24233667-ca6a-4940-a0b3-3bf2020addbd", "kind": "catalog_import", "status": "succeeded", "progress": 100,
    "stage": "done", "result": {"rows": 39, "created": 39, "updated": 0, "unchanged": 0}, "error": None,
    "created_at": "2026-11-25T20:43:48.045029Z", "started_at": "2026-11-25T20:43:48.111223Z",
    "finished_at": "2026-11-25T20:43:48.180418Z", "url": "/api/v1/jobs/24233667-ca6a-4940-a0b3-3bf2020addbd/",
}
JOB_NOT_FOUND = error_example(404, "job_not_found", "No such job.")

TOKEN = [
    *request_examples("Demo user", {"username": "demo", "password": "<printed by make run>"}),
    response_example("Token", {"token": "daf977e2e6ec715d29d17f323decc66e37c27e5d", "username": "demo",
                               "is_staff": False}),
    error_example(400, "invalid_credentials", "Wrong username or password."),
]
_MODELS = {"ok": True, "files": {
    "attribute_heads:utkface-mlp-v2": {
        "ok": True, "path": "/srv/beautyrec/recognition/ml/attributes/weights/attribute_heads_utkface_mlp_v2.pt"},
    "recognition.dlib_models": {"ok": True, "files": {"resnet": True, "mmod": True, "landmarks5": True,
                                                      "landmarks68": True}}}}
HEALTH = [
    response_example("Ready", {"ok": True, "checks": {
        "database": {"ok": True, "vendor": "postgresql", "ms": 0.9},
        "broker": {"ok": True, "mode": "broker", "transport": "redis", "ms": 1.3}, "models": _MODELS}}),
    response_example("Broker down", {"ok": False, "checks": {
        "database": {"ok": True, "vendor": "postgresql", "ms": 0.9},
        "broker": {"ok": False, "mode": "broker",
                   "error": "OperationalError: Error 111 connecting to 127.0.0.1:6379. Connection refused."},
        "models": _MODELS}}, 503),
]
JOB_LIST = [response_example("Your jobs", [RUNNING_ANALYSIS, FAILED_ANALYSIS])]
JOB_DETAIL = [
    response_example("Running analysis", RUNNING_ANALYSIS),
    response_example("Failed analysis", FAILED_ANALYSIS),
    response_example("Finished import", FINISHED_IMPORT),
    JOB_NOT_FOUND,
]
