"""Request-size limits enforced while the body streams in, so an oversized upload is never read whole.

Two layers: a middleware refuses a declared ``Content-Length`` over the limit before the body is touched, and
an upload handler stops a chunked or lying upload as soon as the bytes received pass the limit.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse

from beautyrec.core.errors import PayloadTooLarge, error_body

# Multipart framing and ordinary form fields ride along with the file itself.
BODY_OVERHEAD = 64 * 1024


def body_limit() -> int:
    return settings.MAX_UPLOAD_BYTES + BODY_OVERHEAD


def too_large_message() -> str:
    return f"The request body is over the limit of {settings.MAX_UPLOAD_BYTES} bytes."


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > body_limit():
            return JsonResponse(error_body("payload_too_large", too_large_message(),
                                           {"limit_bytes": settings.MAX_UPLOAD_BYTES}), status=413)
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """Counts every byte of every file in the request and stops at the limit (first in FILE_UPLOAD_HANDLERS)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(too_large_message(), code="payload_too_large",
                                  details={"limit_bytes": settings.MAX_UPLOAD_BYTES})
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
