"""Unknown API routes answer the JSON 404 for every method, also to token clients that send no CSRF cookie
(before, a POST got Django's HTML CSRF failure page)."""

import pytest
from django.test import Client


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_unknown_api_route_is_a_json_404_for_every_method(method):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)("/api/v1/no-such-thing/", HTTP_AUTHORIZATION="Token x")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["error"]["code"] == "not_found"
