"""Catalogue import: validation with line numbers, all-or-nothing, idempotent by sku, via command and API."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from beautyrec.core.models import Job
from beautyrec.recommender.models import CatalogImport, Product
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows, undertone_from_description
from tests.conftest import FIXTURES
from tests.core.test_api_basics import assert_error

pytestmark = pytest.mark.django_db
SAMPLE = FIXTURES / "shared_subset"


def sample_csv() -> bytes:
    return rows_to_csv(demo_rows(SAMPLE))


def test_demo_rows_from_real_shades():
    rows = demo_rows(SAMPLE)
    foundations = [r for r in rows if r["category"] == "foundation"]
    lipsticks = [r for r in rows if r["category"] in ("lipstick", "lip_gloss")]
    assert len(foundations) == 30 and len(lipsticks) == 9
    first = foundations[0]
    assert (first["brand"], first["name"], first["shade_hex"]) == (
        "Anastasia Beverly Hills", "Luminous Foundation", "#A06F4A")
    assert first["undertone"] == "neutral"  # "medium skin with a neutral golden undertone"
    assert {r["brand"] for r in lipsticks} == {"Yves Saint Laurent", "Chanel", "Dior"}


@pytest.mark.parametrize(("text", "expected"), [
    ("100N (very fair skin with a neutral undertone)", "neutral"),
    ("110C (very fair skin with a cool undertone)", "cool"),
    ("120W (very fair skin with a warm undertone)", "warm"),
    ("250G Cheesecake light-medium skin with golden undertone", "warm"),
    ("Shell light skin with very pink undertones", "cool"),
    ("305N (medium skin with a neutral olive undertone)", "olive"),
    ("light skin with a balance of pink and yellow undertones", "neutral"),
    ("Natural Beige", ""),
])
def test_undertone_from_description(text, expected):
    assert undertone_from_description(text) == expected


def test_import_converts_shades_to_lab_and_is_idempotent():
    first = import_catalog(content=sample_csv(), filename="demo.csv")
    assert (first.rows, first.created, first.updated, first.unchanged) == (39, 39, 0, 0)
    product = Product.objects.get(brand="Anastasia Beverly Hills", shade_name="355N")
    assert product.shade_hex == "#a06f4a"
    assert product.shade_l == pytest.approx(51.08, abs=0.01)  # #A06F4A in CIELAB (D65)
    assert (product.shade_a, product.shade_b) == pytest.approx((15.13, 28.27), abs=0.01)
    again = import_catalog(content=sample_csv(), filename="demo.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 39)
    assert Product.objects.count() == 39


def test_reimport_updates_in_place():
    import_catalog(content=sample_csv(), filename="demo.csv")
    rows = demo_rows(SAMPLE)
    rows[0]["shade_hex"] = "#112233"
    rows[1]["is_active"] = False
    summary = import_catalog(content=rows_to_csv(rows), filename="demo.csv")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 37)
    assert Product.objects.get(sku=rows[0]["sku"]).shade_hex == "#112233"
    assert Product.objects.get(sku=rows[1]["sku"]).is_active is False


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(tmp_path):
    rows = demo_rows(SAMPLE)
    rows[2]["shade_hex"] = "#GGGGGG"
    rows[5]["category"] = "perfume"
    rows[7]["sku"] = rows[6]["sku"]
    path = tmp_path / "bad.csv"
    path.write_bytes(rows_to_csv(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="catalog_invalid: 3 of 39 rows are invalid"):
        call_command("import_catalog", str(path), stderr=err, verbosity=0)
    report = err.getvalue().splitlines()
    # Line 1 is the header, so row i of the list is on line i + 2.
    assert report == [
        "line 4: shade_hex: '#GGGGGG' is not an sRGB hex colour like #a06f4a",
        "line 7: category: 'perfume' is not one of " + ", ".join(
            ["foundation", "concealer", "powder", "lipstick", "lip_gloss", "lip_liner", "blush", "bronzer",
             "highlighter", "eyeshadow", "eyeliner", "mascara", "brow"]),
        "line 9: sku: duplicate of line 8",
    ]
    assert Product.objects.count() == 0


def test_json_catalogue_with_unknown_fields_and_bad_price():
    items = [
        {"sku": "a1", "brand": "B", "name": "N", "category": "lipstick", "shade_hex": "#aa0000", "price": "12.50",
         "currency": "usd", "tags": ["red"]},
        {"sku": "a2", "brand": "B", "name": "N", "category": "lipstick", "price": -3, "colour": "red"},
    ]
    with pytest.raises(Exception) as exc:
        import_catalog(content=json.dumps(items).encode(), filename="c.json")
    assert exc.value.code == "catalog_invalid"
    assert exc.value.details["errors"] == [
        {"line": 2, "errors": {"row": "unknown fields: colour", "price": "-3 is not a non-negative amount"}}]
    items.pop()
    import_catalog(content=json.dumps({"products": items}).encode(), filename="c.json")
    product = Product.objects.get(sku="a1")
    assert (str(product.price), product.currency, product.tags) == ("12.50", "USD", ["red"])


@pytest.mark.django_db(transaction=True)  # jobs are published after commit
def test_api_import_is_a_job_for_staff_only(client_staff, client_alice):
    upload = SimpleUploadedFile("demo.csv", sample_csv(), content_type="text/csv")
    assert_error(client_alice.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart"),
                 403, "permission_denied")
    upload.seek(0)
    response = client_staff.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart",
                                 HTTP_IDEMPOTENCY_KEY="import-1")
    assert response.status_code == 200  # eager mode: finished within the request
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["result"] == {"rows": 39, "created": 39, "updated": 0, "unchanged": 0}
    assert response["Location"] == body["url"]
    upload.seek(0)
    repeat = client_staff.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart",
                               HTTP_IDEMPOTENCY_KEY="import-1")
    assert repeat.json()["id"] == body["id"]
    assert Job.objects.count() == 1
    products = client_alice.get("/api/v1/products/?category=foundation&page_size=5").json()
    assert products["count"] == 30 and len(products["results"]) == 5


def test_api_import_of_unreadable_file_is_400_and_stores_nothing(client_staff):
    upload = SimpleUploadedFile("catalog.xlsx", b"PK\x03\x04 not a csv", content_type="application/octet-stream")
    assert_error(client_staff.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart"),
                 400, "catalog_unreadable")
    assert CatalogImport.objects.count() == 0 and Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # jobs are published after commit
def test_api_import_with_invalid_rows_fails_the_job_with_details(client_staff):
    rows = demo_rows(SAMPLE)
    rows[0]["shade_hex"] = "nope"
    upload = SimpleUploadedFile("demo.csv", rows_to_csv(rows), content_type="text/csv")
    body = client_staff.post("/api/v1/catalog/imports/", {"file": upload}, format="multipart").json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "catalog_invalid"
    assert Product.objects.count() == 0


def test_product_filters_validate_their_values(client_alice):
    import_catalog(content=sample_csv(), filename="demo.csv")
    assert_error(client_alice.get("/api/v1/products/?category=perfume"), 400, "invalid")
    cool = client_alice.get("/api/v1/products/?undertone=cool").json()
    assert cool["count"] >= 1 and all(p["undertone"] == "cool" for p in cool["results"])
    pid = cool["results"][0]["id"]
    assert client_alice.get(f"/api/v1/products/{pid}/").json()["id"] == pid
    assert_error(client_alice.get("/api/v1/products/999999/"), 404, "product_not_found")


def test_load_demo_catalog_command():
    out = io.StringIO()
    call_command("load_demo_catalog", "--source", str(SAMPLE), stdout=out)
    assert "demo catalogue: 39 products (39 new, 0 updated)" in out.getvalue()
