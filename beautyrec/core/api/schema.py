"""OpenAPI post-processing: every operation documents the error responses the error format can produce.

Any endpoint may answer 401/403/404/405/429 (auth, permissions, unknown ids, throttling) and 500/503; those
with a body may also answer 400, 413 and 415. Declaring them once here keeps the schema truthful for clients
and for schemathesis without repeating them in every view.
"""

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ALWAYS = {
    "401": "Not authenticated or bad token (`not_authenticated`, `authentication_failed`).",
    "403": "Not allowed (`permission_denied`).",
    "404": "Unknown route or object, or one that belongs to another user (`not_found`, `*_not_found`).",
    "405": "Method not allowed (`method_not_allowed`).",
    "406": "Unacceptable Accept header (`not_acceptable`).",
    "429": "Throttled (`throttled`); see Retry-After.",
    "500": "Unexpected error (`internal_error`); it is logged.",
    "503": "A dependency is unavailable (`database_unavailable`, `broker_unavailable`, ...).",
}
WITH_INPUT = {
    "400": "Invalid input (`invalid` with per-field details, `malformed_request`, or a specific code).",
    "413": "Body or upload over the size limit (`payload_too_large`, `image_too_large`).",
    "415": "Unsupported content type (`unsupported_media_type`).",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable error code."},
                "message": {"type": "string"},
                "details": {"nullable": True, "description": "Field errors or other structured details."},
            },
        },
    },
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault("Error", ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(ALWAYS)
            if method in ("post", "put", "patch") or operation.get("parameters"):
                codes |= WITH_INPUT
            for code, description in codes.items():
                operation["responses"].setdefault(code, {
                    "description": description, "content": {"application/json": {"schema": ERROR_REF}},
                })
    return result
