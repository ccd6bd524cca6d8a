"""The demo catalogue: real foundation and lipstick shades from the shared research data, in import format.

The data is not shipped in the repository; ``load_demo_catalog`` builds rows from ``SHARED_DATA_DIR``.
Finish and coverage come from the words of the real product names ("Soft Matte", "Full Coverage"; for the
lipsticks, the Chinese series names). The source data has no prices: every product line gets an *illustrative*
price (USD), the same for all its shades, drawn deterministically from the brand and line name within a band for
drugstore, prestige or other brands, so that price queries mean something in the demo. They are not real prices.
"""

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import Any

WARM_WORDS = ("warm", "golden", "yellow", "peach")
COOL_WORDS = ("cool", "pink", "rosy", "red")

# The lipstick file names its brands and series in Chinese; brand names start with these.
LIPSTICK_BRANDS = {"圣罗兰": "Yves Saint Laurent", "香奈儿": "Chanel", "迪奥": "Dior", "美宝莲": "Maybelline",
                   "纪梵希": "Givenchy"}
GLOSS_WORDS = ("唇釉", "唇彩", "唇蜜", "唇油")  # lacquer, gloss, honey, oil
MATTE_WORDS = ("哑光", "丝绒", "天鹅绒")  # matte, velvet
SHINE_WORDS = ("水亮", "莹亮", "釉", "唇彩", "唇蜜", "唇油")  # water-shine, shiny, lacquer, gloss, honey, oil
SHIMMER_WORDS = ("灿金", "闪")  # gold, sparkle
# English glosses of the words in the lipstick series names, as the searchable description.
SERIES_GLOSSES = {
    "唇膏": "lipstick", "口红": "lipstick", "唇釉": "lip lacquer", "釉唇膏": "lacquer", "唇彩": "lip gloss",
    "唇蜜": "lip gloss honey", "唇油": "lip oil", "唇颊霜": "lip and cheek cream", "哑光": "matte", "丝绒": "velvet",
    "天鹅绒": "velvet", "水亮": "water shine", "莹亮": "shine", "炫亮": "brilliant", "灿金": "gold",
    "持久": "long-lasting longwear", "霓虹": "neon", "小羊皮": "leather", "染": "tint", "纯": "pure",
}
# Finish and coverage words of the foundation product names, first match wins.
NAME_FINISHES = (("matte", ("matte", "mattifying", "matissime", "transformatte")),
                 ("dewy", ("dewy", "glow", "luminous", "radiant", "radiance", "lumiere", "illumination", "lumi")),
                 ("satin", ("satin",)), ("natural", ("natural finish", "fini naturel")))
NAME_COVERAGES = (("full", ("full coverage", "full cover", "maximum cover", "high cover", "max coverage",
                            "ultimate coverage", "absolute cover", "full-coverage")),
                  ("medium", ("medium coverage", "medium-to-full")),
                  ("light", ("light cover", "bb cream", "beauty balm", "bb+ cream", "cc cream", "cc+ cream")),
                  ("sheer", ("sheer", "skin tint", "tinted moisturizer", "tinted hydrator", "serum foundation")))
# Illustrative price bands (USD, whole dollars minus a cent) by kind of brand; other brands are in between.
DRUGSTORE_BRANDS = frozenset({"Almay", "CoverGirl", "e.l.f. Cosmetics", "Essence", "Catrice", "L'Oréal",
                              "L.A. Girl", "Maybelline", "Milani", "NYX Professional Makeup", "Revlon",
                              "Wet n Wild", "Makeup Revolution", "Physicians Formula", "FLOWER Beauty",
                              "J.Cat Beauty", "ColourPop", "Burt's Bees", "The Ordinary", "Black Up"})
PRESTIGE_BRANDS = frozenset({"Armani Beauty", "Chanel", "Dior", "Givenchy", "Gucci", "Guerlain", "La Mer",
                             "Lancôme", "TOM FORD", "Yves Saint Laurent", "Estée Lauder", "Charlotte Tilbury",
                             "Natasha Denona", "PAT McGRATH LABS", "Koh Gen Do", "Shiseido", "HOURGLASS",
                             "Laura Mercier", "NARS", "KEVYN AUCOIN", "Perricone MD", "Dr. Dennis Gross Skincare"})
PRICE_BANDS = {"drugstore": (6, 16), "prestige": (38, 72), "other": (18, 46)}


def undertone_from_description(text: str) -> str:
    """The undertone a retailer's shade description names: warm, cool, neutral, olive, or '' if none.

    Retailers mix family words ("golden", "peach" are warm; "pink", "rosy", "red" are cool); a description
    that names both families, or says "neutral"/"balance of", is neutral.
    """
    words = text.lower()
    if re.search(r"\bolive", words):
        return "olive"
    warm = any(re.search(rf"\b{w}", words) for w in WARM_WORDS)
    cool = any(re.search(rf"\b{w}", words) for w in COOL_WORDS)
    if re.search(r"\bneutral|balance of", words) or (warm and cool):
        return "neutral"
    if warm:
        return "warm"
    if cool:
        return "cool"
    return ""


def illustrative_price(brand: str, line: str) -> str:
    """A made-up but stable price for a product line (see the module docstring): hash of brand and line."""
    band = "drugstore" if brand in DRUGSTORE_BRANDS else "prestige" if brand in PRESTIGE_BRANDS else "other"
    low, high = PRICE_BANDS[band]
    dollars = low + int(hashlib.sha1(f"{brand}|{line}".encode()).hexdigest(), 16) % (high - low + 1)
    return f"{dollars - 0.01:.2f}"


def _first_match(text: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    words = text.lower().replace("é", "e").replace("è", "e")
    return next((value for value, cues in table if any(re.search(rf"\b{re.escape(c)}", words) for c in cues)), "")


def _series_gloss(series: str) -> str:
    return " ".join(gloss for word, gloss in SERIES_GLOSSES.items() if word in series)


def _sku(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.sha1('|'.join(parts).encode()).hexdigest()[:12]}"


def foundation_rows(path: Path) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for record in csv.DictReader(fh):
            name = record["name"] if record["name"] not in ("", "NA") else ""
            code = record["specific"] if record["specific"] not in ("", "NA") else ""
            shade = " ".join(part for part in (code, name) if part) or record["description"][:60]
            description = record["description"].replace("selected", "").strip()
            sku = _sku("fdn", record["brand"], record["product"], shade, record["hex"])
            rows.setdefault(sku, {
                "sku": sku, "brand": record["brand"].strip(), "name": record["product"].strip(),
                "category": "foundation", "shade_name": shade[:200], "shade_hex": record["hex"],
                "undertone": undertone_from_description(description), "description": description,
                "finish": _first_match(record["product"], NAME_FINISHES),
                "coverage": _first_match(record["product"], NAME_COVERAGES),
                "price": illustrative_price(record["brand"].strip(), record["product"].strip()), "currency": "USD",
                "tags": ["demo", "the-pudding"], "is_active": True,
            })
    return list(rows.values())


def lipstick_rows(path: Path) -> list[dict[str, Any]]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    rows: dict[str, dict[str, Any]] = {}
    for brand in payload["brands"]:
        brand_name = next((en for zh, en in LIPSTICK_BRANDS.items() if brand["name"].startswith(zh)),
                          brand["name"])
        for series in brand["series"]:
            category = "lip_gloss" if any(w in series["name"] for w in GLOSS_WORDS) else "lipstick"
            finish = ("matte" if any(w in series["name"] for w in MATTE_WORDS)
                      else "shimmer" if any(w in series["name"] for w in SHIMMER_WORDS)
                      else "gloss" if any(w in series["name"] for w in SHINE_WORDS) else "")
            for lipstick in series["lipsticks"]:
                sku = _sku("lip", brand_name, series["name"], lipstick["id"], lipstick["color"])
                rows.setdefault(sku, {
                    "sku": sku, "brand": brand_name, "name": series["name"], "category": category,
                    "finish": finish, "description": _series_gloss(series["name"]),
                    "price": illustrative_price(brand_name, series["name"]), "currency": "USD",
                    "shade_name": f"{lipstick['id']} {lipstick['name']}".strip(), "shade_hex": lipstick["color"],
                    "tags": ["demo"], "is_active": True,
                })
    return list(rows.values())


def demo_rows(source_dir: Path) -> list[dict[str, Any]]:
    catalog = source_dir / "catalog"
    return foundation_rows(catalog / "foundation_shades.csv") + lipstick_rows(catalog / "lipsticks.json")
