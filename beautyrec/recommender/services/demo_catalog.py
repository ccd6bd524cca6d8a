"""The demo catalogue: real foundation and lipstick shades from the shared research data, in import format.

The data is not shipped in the repository; ``load_demo_catalog`` builds rows from ``SHARED_DATA_DIR``.
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
            finish = "matte" if any(w in series["name"] for w in MATTE_WORDS) else ""
            for lipstick in series["lipsticks"]:
                sku = _sku("lip", brand_name, series["name"], lipstick["id"], lipstick["color"])
                rows.setdefault(sku, {
                    "sku": sku, "brand": brand_name, "name": series["name"], "category": category,
                    "finish": finish,
                    "shade_name": f"{lipstick['id']} {lipstick['name']}".strip(), "shade_hex": lipstick["color"],
                    "tags": ["demo"], "is_active": True,
                })
    return list(rows.values())


def demo_rows(source_dir: Path) -> list[dict[str, Any]]:
    catalog = source_dir / "catalog"
    return foundation_rows(catalog / "foundation_shades.csv") + lipstick_rows(catalog / "lipsticks.json")
