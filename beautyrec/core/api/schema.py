"""OpenAPI post-processing: every operation documents the error responses the error format can produce.

Any endpoint may answer 401/403/404/405/429 (auth, permissions, unknown ids, throttling) and 500/503; those
with a body may also answer 400, 413 and 415. Declaring them once here keeps the schema truthful for clients
and for schemathesis without repeating them in every view. Every error response gets an example body too:
views give their specific ones (``error_example``); the rest get the generic code of their status.
"""

import re
from typing import Any

from beautyrec.core.errors import error_body

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
# The code an error response of each status carries when nothing more specific applies.
GENERIC_CODES = {
    "400": ("invalid", "Invalid input.", {"field": ["This field is required."]}),
    "401": ("not_authenticated", "Authentication credentials were not provided.", None),
    "403": ("permission_denied", "You do not have permission to perform this action.", None),
    "404": ("not_found", "Not found.", None),
    "405": ("method_not_allowed", 'Method "PUT" not allowed.', None),
    "406": ("not_acceptable", "Could not satisfy the request Accept header.", None),
    "409": ("conflict", "The request conflicts with the current state.", None),
    "413": ("payload_too_large", "The request body is larger than the limit of 13631488 bytes.", None),
    "415": ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', None),
    "422": ("unprocessable", "The input is well-formed but cannot be used.", None),
    "429": ("throttled", "Request was throttled. Expected available in 12 seconds.", None),
    "500": ("internal_error", "An unexpected error occurred; it has been logged.", None),
    "503": ("service_unavailable", "A dependency is unavailable; try again shortly.", None),
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
            for code, response in operation["responses"].items():
                media = response.get("content", {}).get("application/json", {})
                if code[0] in "45" and media.get("schema") == ERROR_REF:
                    _document_error(code, response)
    return result


def _document_error(status: str, response: dict[str, Any]) -> None:
    """Give an error response an example body and name its codes in the description."""
    examples = response["content"]["application/json"].setdefault("examples", {})
    documented = [e["value"]["error"]["code"] for e in examples.values()
                  if isinstance(e.get("value"), dict) and "error" in e["value"]]
    if not documented:
        code, message, details = GENERIC_CODES.get(status, ("error", "The request failed.", None))
        examples[code] = {"value": error_body(code, message, details), "summary": code}
        documented = [code]
    description = response.get("description", "")
    missing = [c for c in documented if f"`{c}`" not in description]
    if missing or not re.search(r"`[a-z_*]+`", description):
        codes = ", ".join(f"`{c}`" for c in missing or documented)
        response["description"] = f"{description} Codes: {codes}." if description else f"Codes: {codes}."
