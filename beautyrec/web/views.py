"""The demo web client: one page whose script talks only to the public REST API with a token."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from beautyrec.core.colour import MONK_SWATCHES

# What the page asks recommendations for; both categories have real shades in the demo catalogue.
DEMO_CATEGORIES = ("foundation", "lipstick")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/index.html", {
        "client_config": {"monk_swatches": list(MONK_SWATCHES), "categories": list(DEMO_CATEGORIES),
                          "recommendations_per_category": 3},
    })
