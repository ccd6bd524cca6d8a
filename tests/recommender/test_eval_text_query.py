"""eval_text_query: the committed query set is well-formed, and precision/latency are measured on the sample."""

import json

import pytest
from django.core.management import CommandError, call_command

from beautyrec.recommender.models import Product
from beautyrec.recommender.services.colour_families import FAMILIES
from beautyrec.recommender.services.text_eval import QUERY_SET, load_queries
from tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db
SAMPLE_QUERIES = FIXTURES / "text_queries_subset.json"


def test_the_committed_query_set():
    queries = load_queries(QUERY_SET)
    assert len(queries) >= 60 and len({q["q"] for q in queries}) == len(queries)
    expected = [q["expect"] for q in queries]
    assert all(e for e in expected)
    families = {e["colour_family"] for e in expected if "colour_family" in e}
    assert families == set(FAMILIES)  # every family is asked for at least once
    for attribute in ("category", "finish", "price_max", "price_min", "brand", "undertone", "coverage"):
        assert sum(attribute in e for e in expected) >= 3, attribute


def test_eval_on_the_sample_catalogue_meets_the_target_and_leaves_nothing_behind(tmp_path, capsys):
    out = tmp_path / "figures.json"
    call_command("eval_text_query", "--source", str(FIXTURES / "shared_subset"), "--queries", str(SAMPLE_QUERIES),
                 "--json", str(out))
    figures = json.loads(out.read_text())
    assert figures == json.loads(capsys.readouterr().out)
    assert set(figures) == {"queries", "k", "products", "precision@10", "attribute_precision", "mean_results",
                            "queries_without_results", "latency_ms", "misses"}
    assert (figures["queries"], figures["k"], figures["products"]) == (14, 10, 39)
    assert figures["precision@10"] >= 0.9 and figures["queries_without_results"] == 0
    assert figures["precision@10"] == 1.0 and figures["misses"] == []
    assert set(figures["attribute_precision"]) == {"category", "colour_family", "finish", "coverage", "price_min",
                                                   "price_max", "brand", "undertone"}
    assert 0 < figures["latency_ms"]["p50"] <= figures["latency_ms"]["p95"] <= figures["latency_ms"]["max"]
    assert not Product.objects.exists()  # imported inside a rolled-back transaction


def test_a_miss_is_reported(tmp_path, capsys):
    queries = tmp_path / "q.json"
    queries.write_text(json.dumps([{"q": "red lipstick", "expect": {"category": "lipstick", "colour_family": "red"}},
                                   {"q": "lipstick", "expect": {"colour_family": "red"}}]))
    call_command("eval_text_query", "--source", str(FIXTURES / "shared_subset"), "--queries", str(queries))
    figures = json.loads(capsys.readouterr().out)
    # "lipstick" returns eight of the nine sample lipsticks (shades closer than dE 3 are not both shown), three
    # of them red.
    assert figures["misses"] == [{"q": "lipstick", "precision": 0.375, "returned": 8, "dropped": []}]
    assert figures["precision@10"] == pytest.approx((1 + 3 / 8) / 2, abs=1e-4)


def test_bad_query_files_are_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"q": "red", "expect": {"colour_family": "turquoise"}}]))
    with pytest.raises(CommandError, match="unknown colour family"):
        call_command("eval_text_query", "--source", str(FIXTURES / "shared_subset"), "--queries", str(bad))
    with pytest.raises(CommandError, match="not found"):
        call_command("eval_text_query", "--source", str(tmp_path))
