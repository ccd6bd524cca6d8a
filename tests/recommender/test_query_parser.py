"""services/query.py: a shopper's words -> constraints, contradictions, brands; colour families over real shades."""

import json

import numpy as np
import pytest

from beautyrec.core import colour
from beautyrec.core.errors import InvalidInput
from beautyrec.recommender.services.colour_families import depth_families, hue_families
from beautyrec.recommender.services.query import MAX_QUERY_LENGTH, brand_aliases, normalise, parse_query
from tests.recommender.conftest import SUBSET

BRANDS = ["FENTY BEAUTY by Rihanna", "Yves Saint Laurent", "Dior", "It Cosmetics", "L'Oréal", "e.l.f. Cosmetics",
          "Too Faced", "MAKE UP FOR EVER", "Anastasia Beverly Hills"]


def test_the_issue_example_is_understood():
    parsed = parse_query("a long-wear matte red for my warm skin, under $30", brands=BRANDS)
    assert parsed.constraints() == {"category": [], "colour_family": ["red"], "finish": "matte",
                                    "undertone": "warm", "coverage": None, "price": {"min": None, "max": 30.0},
                                    "brand": []}
    assert parsed.free_text == ["long-wear"]
    assert parsed.words == {"under $30": "price", "matte": "finish", "red": "colour_family",
                            "warm skin": "undertone"}
    assert parsed.dropped == []


@pytest.mark.parametrize(("q", "low", "high"), [
    ("between 10 and 20 dollars", 10.0, 20.0), ("$10-$20", 10.0, 20.0), ("10 to 20 usd", 10.0, 20.0),
    ("less than 12.50", None, 12.5), ("over $40", 40.0, None), ("cheap", None, 15.0), ("luxury", 40.0, None),
    ("over $10 under $25", 10.0, 25.0),
])
def test_price_bounds(q, low, high):
    parsed = parse_query(f"pink lipstick {q}")
    assert (parsed.price_min, parsed.price_max) == (low, high)
    assert parsed.categories == ("lipstick",) and parsed.families == ("pink",) and parsed.free_text == []


def test_contradictions_keep_the_first_and_report_the_other():
    finish = parse_query("matte gloss")
    assert finish.finish == "matte"
    assert finish.dropped == [{"constraint": "finish", "value": "gloss", "words": ["gloss"],
                               "reason": "contradiction", "kept": "matte"}]
    price = parse_query("under $5 over $50")
    assert (price.price_min, price.price_max) == (None, 5.0)
    assert price.dropped == [{"constraint": "price", "value": {"min": 50.0, "max": None}, "words": ["over $50"],
                              "reason": "contradiction", "kept": {"min": None, "max": 5.0}}]
    tone = parse_query("warm cool nude lips")
    assert tone.undertone == "warm" and tone.dropped[0]["value"] == "cool"
    assert tone.categories == ("lipstick", "lip_gloss", "lip_liner") and tone.families == ("nude",)


def test_phrases_beat_single_words():
    parsed = parse_query("Full-Coverage foundation for deep skin, light coverage? no: medium tan")
    assert parsed.coverage == "full" and parsed.dropped[0]["value"] == "light"
    assert parsed.families == ("deep", "tan") and parsed.categories == ("foundation",)
    assert parse_query("lip gloss").categories == ("lip_gloss",) and parse_query("gloss").finish == "gloss"


def test_brands_from_the_catalogue():
    aliases = brand_aliases(BRANDS)
    assert aliases["fenty"] == "FENTY BEAUTY by Rihanna" and aliases["ysl"] == "Yves Saint Laurent"
    assert aliases["elf"] == "e.l.f. Cosmetics" and aliases["loreal"] == "L'Oréal" and aliases["mufe"]
    assert "it" not in aliases and aliases["it cosmetics"] == "It Cosmetics" and "too" not in aliases
    assert parse_query("Fenty foundation", brands=BRANDS).brands == ("FENTY BEAUTY by Rihanna",)
    assert parse_query("L\u2019ORÉAL Infallible", brands=BRANDS).free_text == ["infallible"]
    assert parse_query("it cosmetics cc cream", brands=BRANDS).free_text == ["cc", "cream"]
    assert parse_query("Dior", brands=[]).free_text == ["dior"]  # a brand the catalogue lacks is just a word


def test_unknown_words_are_free_text_and_length_is_checked():
    assert parse_query("zzqx hydrating serum").free_text == ["zzqx", "hydrating", "serum"]
    assert parse_query("x" * MAX_QUERY_LENGTH).free_text == ["x" * MAX_QUERY_LENGTH]
    with pytest.raises(InvalidInput) as error:
        parse_query("x" * (MAX_QUERY_LENGTH + 1))
    assert error.value.code == "query_too_long" and error.value.details["max_length"] == MAX_QUERY_LENGTH
    assert normalise("Estée  L'Oréal e.l.f. $12.50") == "estee loreal elf $12.50"


def test_colour_families_of_real_shades():
    payload = json.loads((SUBSET / "catalog" / "lipsticks.json").read_text())
    shades = {s["name"]: s["color"] for b in payload["brands"] for series in b["series"] for s in series["lipsticks"]}
    names = list(shades)
    families = dict(zip(names, hue_families(np.array([colour.hex_to_lab(shades[n]) for n in names])).tolist(),
                        strict=True))
    # YSL 14 一见倾心 #DC4B41 is a red, Dior 487 泡泡堂 #EB5C97 a bright pink, Chanel 69 传情 #F17365 a coral.
    assert (families["一见倾心"], families["泡泡堂"], families["传情"]) == ("red", "fuchsia", "coral")
    # sRGB primary red (h 39.99) is the last red; dark orange #ff8c00 (h 62) is orange.
    assert hue_families(np.array([colour.hex_to_lab(h) for h in ("#ff0000", "#ff8c00")])).tolist() == ["red", "orange"]
    assert hue_families(colour.hex_to_lab("#c41e3a")).tolist() == ["red"]
    assert depth_families(np.array([[85.0, 5, 15], [72.0, 8, 20], [45.0, 12, 25]])).tolist() == \
        ["fair", "medium", "deep"]
