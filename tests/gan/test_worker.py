"""Previews through the real services: PostgreSQL, Redis and a separate `celery worker` on the gpu queue."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from beautyrec.core import colour
from beautyrec.core.models import Job
from beautyrec.recommender.models import Product
from tests.conftest import FIXTURES
from tests.integration.test_real_services import poll_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PLAIN = FIXTURES / "makeup" / "images" / "examples_images_non-makeup_xfsy_0058.png"


def test_a_recommendation_list_previews_in_one_worker_job(celery_worker_process, client_alice, settings):
    assert "gan.preview" in settings.GPU_TASKS
    shades = ["#b22146", "#d62352", "#a25356"]
    products = []
    for n, shade in enumerate(shades):
        lab = colour.hex_to_lab(shade)
        products.append(Product.objects.create(sku=f"lip-{n}", brand="YSL", name="Rouge", category="lipstick",
                                               shade_hex=shade, shade_l=lab[0], shade_a=lab[1], shade_b=lab[2],
                                               finish="matte"))
    response = client_alice.post("/api/v1/previews/", {
        "image": SimpleUploadedFile(PLAIN.name, PLAIN.read_bytes(), content_type="image/png"),
        "items": '[' + ", ".join(f'{{"product": {p.pk}}}' for p in products) + ']'}, format="multipart")
    assert response.status_code == 202, response.content  # queued for the worker, not run in the request
    body = poll_job(client_alice, response["Location"], timeout=120)
    assert body["status"] == "succeeded", body
    assert body["kind"] == "preview" and body["progress"] == 100
    images = body["result"]["images"]
    assert [i["product"] for i in images] == [p.pk for p in products]
    for image, shade in zip(images, shades, strict=True):
        lab = np.array(image["region_colours"]["lips"]["lab"])
        assert float(colour.ciede2000(lab, colour.hex_to_lab(shade))) < 3.0
        served = client_alice.get(image["url"])
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        Image.open(io.BytesIO(b"".join(served.streaming_content))).verify()
    assert Job.objects.get(pk=body["id"]).attempts == 1
