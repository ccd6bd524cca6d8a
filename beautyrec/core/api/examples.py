"""Building OpenAPI examples the same way everywhere (``extend_schema(examples=...)``).

drf-spectacular files a view's example under one media type (JSON unless told), so a request example is made
once per media type it applies to; response examples name their status code, or they would appear under
every status.
Example values are recorded from real runs of the service on the test fixtures, not invented.
"""

import json
from pathlib import Path
from typing import Any

from drf_spectacular.utils import OpenApiExample

from beautyrec.core.errors import error_body

BINARY = "(binary file content)"
JSON, FORM, MULTIPART = "application/json", "application/x-www-form-urlencoded", "multipart/form-data"
ANY_BODY = (JSON, FORM, MULTIPART)
UPLOAD = (MULTIPART,)


def load_recorded(module_file: str) -> dict[str, Any]:
    """The recorded run stored as ``examples.json`` beside the app's examples module (``__file__``)."""
    return json.loads(Path(module_file).with_name("examples.json").read_text())


def request_examples(name: str, value: dict[str, Any] | list[Any], description: str = "",
                     media_types: tuple[str, ...] = ANY_BODY) -> list[OpenApiExample]:
    """The same request in each media type (uploads only make sense as ``media_types=(MULTIPART,)``)."""
    return [OpenApiExample(name, value=value, request_only=True, description=description, media_type=media_type)
            for media_type in media_types]


def response_example(name: str, value: Any, status: int = 200, description: str = "") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)],
                          description=description)


def error_example(status: int, code: str, message: str, details: Any = None) -> OpenApiExample:
    return response_example(f"{status} {code}", error_body(code, message, details), status)


def job_examples(kind: str, result: dict[str, Any], *, job_id: str, created_at: str, finished_at: str,
                 stage: str = "queued") -> list[OpenApiExample]:
    """A finished job (200, when the client waited long enough) and the same job still queued (202)."""
    url = f"/api/v1/jobs/{job_id}/"
    finished = {"id": job_id, "kind": kind, "status": "succeeded", "progress": 100, "stage": "done",
                "result": result, "error": None, "created_at": created_at, "started_at": created_at,
                "finished_at": finished_at, "url": url}
    queued = {**finished, "status": "queued", "progress": 0, "stage": "", "result": None, "started_at": None,
              "finished_at": None}
    return [response_example(f"{kind} finished", finished, 200, "With ?wait= long enough: the finished job."),
            response_example(f"{kind} queued", queued, 202, f"Poll {url} (the Location header) until it ends.")]
