"""GET /api/v1/recommendations/?q=: constraints filter, free text ranks, reasons quote the words, bad input is 4xx."""

import pytest

from beautyrec.recommender.models import Product
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from beautyrec.recommender.services.query import MAX_QUERY_LENGTH
from tests.core.test_api_basics import assert_error
from tests.recommender.conftest import SERENA, SUBSET, analyse_selfie
from tests.recommender.test_recommendations import delta_e

pytestmark = pytest.mark.django_db
URL = "/api/v1/recommendations/"


def ask(client, q: str, **params) -> dict:
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_words_become_constraints_and_reasons(client_alice, catalogue):
    body = ask(client_alice, "a long-wear matte foundation for deep skin under $30")
    query = body["query"]
    assert query["constraints"] == {"category": ["foundation"], "colour_family": ["deep"], "finish": "matte",
                                    "undertone": None, "coverage": None, "price": {"min": None, "max": 30.0},
                                    "brand": []}
    assert query["words"] == {"under $30": "price", "matte": "finish", "foundation": "category",
                              "deep skin": "colour_family"}
    assert query["free_text"] == ["long-wear"] and query["unmatched_words"] == [] and query["dropped"] == []
    # The five deep Matte Velvet Skin shades (28.99) are the only matte deep foundations under $30; one per line.
    assert query["matching_products"] == 5
    [result] = body["results"]
    product = result["product"]
    assert (product["brand"], product["finish"], product["price"]) == ("MAKE UP FOR EVER", "matte", "28.99")
    assert result["reasons"][0] == 'matches "under $30", "matte", "foundation", "deep skin"'


def test_colour_family_and_price(client_alice, catalogue):
    reds = ask(client_alice, "red lipstick")["results"]
    assert sorted(r["product"]["shade_name"] for r in reds) == ["122 CORAIL RADIEUX", "14 一见倾心", "457 鸡尾酒"]
    [cheap_red] = ask(client_alice, "red lipstick under $50")["results"]
    assert (cheap_red["product"]["brand"], cheap_red["product"]["price"]) == ("Yves Saint Laurent", "45.99")
    between = ask(client_alice, "lipstick between $60 and $70")
    assert {r["product"]["brand"] for r in between["results"]} == {"Chanel", "Dior"}
    assert between["query"]["matching_products"] == 6


def test_free_text_ranks_and_is_quoted(client_alice, catalogue):
    body = ask(client_alice, "longwear weightless foundation with spf")
    top = body["results"][0]
    assert top["product"]["name"] == "Skin Long-Wear Weightless Foundation SPF 15"
    assert top["reasons"][0] == 'matches "foundation", "longwear", "weightless", "spf"'
    assert body["query"]["free_text"] == ["longwear", "weightless", "spf"]
    others = [r for r in body["results"][1:] if r["reasons"] and r["reasons"][0].startswith("matches")]
    assert all('"spf"' not in r["reasons"][0] for r in others)


def test_contradictions_and_impossible_asks_relax_with_a_report(client_alice, catalogue):
    body = ask(client_alice, "matte gloss lipstick")
    assert [(d["constraint"], d["value"], d["reason"]) for d in body["query"]["dropped"]] == [
        ("finish", "gloss", "contradiction"), ("finish", "matte", "no_match")]
    assert body["query"]["constraints"]["finish"] is None and body["query"]["constraints"]["category"] == ["lipstick"]
    assert body["results"] and all(r["product"]["category"] == "lipstick" for r in body["results"])
    prices = ask(client_alice, "under $5 over $50")
    assert [(d["constraint"], d["reason"]) for d in prices["query"]["dropped"]] == [
        ("price", "contradiction"), ("price", "no_match")]
    assert len(prices["results"]) == 10
    unknown = ask(client_alice, "zzqx")
    assert unknown["query"]["unmatched_words"] == ["zzqx"] and len(unknown["results"]) == 10


def test_a_brand_shows_its_lines_and_the_face_still_picks_the_shade(client_alice, user, catalogue):
    face = analyse_selfie(user, SERENA)
    body = ask(client_alice, "mufe foundation")
    assert body["query"]["constraints"]["brand"] == ["MAKE UP FOR EVER"]
    [result] = body["results"]
    assert result["reasons"][0] == 'matches "mufe", "foundation"'
    assert result["reasons"][1] == f"{body['profile']['undertone']} undertone like yours"
    skin = face.attributes["skin"]["lab"]
    shades = Product.objects.filter(brand="MAKE UP FOR EVER")
    closest = min(shades, key=lambda p: delta_e(skin, p))
    assert result["product"]["id"] == closest.id


def test_the_words_choose_the_line_and_the_face_the_shade_within_it(client_alice, user):
    face = analyse_selfie(user, SERENA)
    skin = face.attributes["skin"]["lab"]
    # The brand's closest shade to this skin is in its Stick line; the Weightless line has only light shades.
    lines = {"Weightless Foundation": ("#f1c27d", "#ffdbac"),
             "Stick Foundation": ("#8d5524", "#c68642", "#e0ac69", "#f1c27d", "#ffdbac")}
    rows = [{"sku": f"{line[:3]}-{i}", "brand": "Testbrand", "name": line, "category": "foundation",
             "shade_name": f"{line} {i}", "shade_hex": hex_, "price": "20"}
            for line, shades in lines.items() for i, hex_ in enumerate(shades)]
    import_catalog(content=rows_to_csv(rows), filename="lines.csv")
    closest = min(Product.objects.all(), key=lambda p: delta_e(skin, p))
    assert closest.name == "Stick Foundation"
    body = ask(client_alice, "weightless foundation")
    top = body["results"][0]["product"]
    assert top["name"] == "Weightless Foundation"
    weightless = Product.objects.filter(name="Weightless Foundation")
    assert top["id"] == min(weightless, key=lambda p: delta_e(skin, p)).id  # the line's closest shade
    assert body["results"][0]["reasons"][0] == 'matches "foundation", "weightless"'


def test_no_query_means_a_null_query_object(client_alice, catalogue):
    assert client_alice.get(URL, {"k": 2}).json()["query"] is None


@pytest.mark.parametrize("q", ["x" * (MAX_QUERY_LENGTH + 1), "red " * 60])
def test_an_overlong_query_is_a_400(client_alice, catalogue, q):
    assert_error(client_alice.get(URL, {"q": q}), 400, "query_too_long")


def test_demo_catalogue_finish_coverage_and_illustrative_prices():
    rows = demo_rows(SUBSET)
    by_line = {}
    for row in rows:
        by_line.setdefault((row["brand"], row["name"]), set()).add((row["finish"], row.get("coverage", ""),
                                                                    row["price"], row["currency"]))
    assert by_line[("MAKE UP FOR EVER", "Matte Velvet Skin Full Coverage Foundation")] == {("matte", "full", "28.99",
                                                                                            "USD")}
    assert by_line[("Anastasia Beverly Hills", "Luminous Foundation")] == {("dewy", "", "36.99", "USD")}
    assert by_line[("Almay", "Clear Complexion Make Myself Clear Makeup")] == {("", "", "7.99", "USD")}  # drugstore
    assert by_line[("Chanel", "唇膏水亮")] == {("gloss", "", "66.99", "USD")}  # prestige; 水亮 = water-shine
    assert all(len(v) == 1 for v in by_line.values()) and demo_rows(SUBSET) == rows
    assert next(r for r in rows if r["brand"] == "Dior")["description"] == "lipstick lacquer"
