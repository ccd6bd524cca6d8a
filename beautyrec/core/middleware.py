"""API paths work with or without their trailing slash, for every method (no redirect that drops a POST body)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from beautyrec.core.errors import not_found_view


def _routes(path: str) -> bool:
    """True when ``path`` reaches a real view (not the API's catch-all 404)."""
    try:
        return resolve(path).func is not not_found_view
    except Resolver404:
        return False


class ApiTrailingSlashMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/") and not _routes(path) and _routes(path + "/"):
            request.path_info = path + "/"
        return self.get_response(request)
