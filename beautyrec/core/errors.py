"""The one error format of the API: ``{"error": {"code", "message", "details"}}`` for every 4xx and 5xx.

Services raise :class:`ServiceError` subclasses with a stable, machine-readable ``code``; the DRF exception
handler and the Django error views below turn everything (DRF exceptions, Django 404s, crashes) into that body.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """An expected failure with a stable code; raised by services, shown to clients as-is."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None,
                 status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.details = details


class InvalidInput(ServiceError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"


class NotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(ServiceError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class UnprocessableInput(ServiceError):
    """Well-formed input the service cannot use (no face in the photo, an image it cannot decode...)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "unprocessable"


class PayloadTooLarge(ServiceError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"


class ServiceUnavailable(ServiceError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"


_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _drf_code(exc: exceptions.APIException) -> str:
    for cls in type(exc).__mro__:
        if cls in _DRF_CODES:
            return _DRF_CODES[cls]
    return str(exc.default_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: every failure becomes the one error body, with a stable code."""
    headers: dict[str, str] = {}
    if isinstance(exc, ServiceError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.messages)
    elif isinstance(exc, RequestDataTooBig):
        set_rollback()
        return Response(error_body("payload_too_large", "The request body is too large."),
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, SuspiciousOperation):
        set_rollback()
        return Response(error_body("malformed_request", str(exc) or "The request was refused as malformed."),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            message, details = "The request is invalid; see details for each field.", exc.detail
        else:
            message, details = str(exc.detail), None
        return Response(error_body(_drf_code(exc), message, details), status=exc.status_code, headers=headers)
    if isinstance(exc, DatabaseError):
        logger.exception("database unavailable during %s", context.get("view"))
        set_rollback()
        return Response(
            error_body("database_unavailable", "The database is not reachable right now; try again shortly."),
            status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"},
        )
    logger.exception("unhandled error in %s", context.get("view"))
    set_rollback()
    return Response(error_body("internal_error", "An unexpected error occurred; it has been logged."),
                    status=status.HTTP_500_INTERNAL_SERVER_ERROR)


@csrf_exempt  # token clients send no CSRF cookie: a POST to an unknown route gets this 404, not the CSRF page
def not_found_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django-level 404 (unknown URL) in the API's error format."""
    return JsonResponse(error_body("not_found", f"No route for {request.path}."), status=404)


def server_error_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("internal_error", "An unexpected error occurred; it has been logged."),
                        status=500)


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", "The request could not be understood."), status=400)


def permission_denied_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("permission_denied", "You may not do this."), status=403)
