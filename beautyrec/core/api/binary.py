"""Endpoints that answer with an image: the bytes on success, the JSON error body on failure.

A client may send ``Accept: image/jpeg``; the JPEG renderer lets content negotiation accept that, and errors
are still rendered as JSON (with their own content type), never as bytes labelled image/jpeg.
"""

from typing import Any

from django.http import HttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class JpegRenderer(BaseRenderer):
    media_type = "image/jpeg"
    format = "jpg"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data


class JpegApiView(APIView):
    renderer_classes = [JSONRenderer, JpegRenderer]

    def finalize_response(self, request: Request, response: Any, *args, **kwargs) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):  # an error body: always JSON
            response.accepted_renderer, response.accepted_media_type = JSONRenderer(), "application/json"
        return response


def jpeg_response(data: bytes) -> HttpResponse:
    """Private image bytes: the owner's browser may show them but no shared cache may keep them."""
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
