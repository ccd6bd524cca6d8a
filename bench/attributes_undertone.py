"""Agreement of core.colour.undertone_from_lab with the undertones retailers name for real foundation shades.

Usage: python bench/attributes_undertone.py [path/to/foundation_shades.csv]
(default ../shared/data/catalog/foundation_shades.csv). Prints per-class counts, accuracy, balanced accuracy,
the rate of opposite calls (warm called cool or cool called warm), and the confusion matrix (olive shown apart:
the function has no olive class).
"""

import csv
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")
django.setup()

from beautyrec.core import colour  # noqa: E402
from beautyrec.recommender.services.demo_catalog import undertone_from_description  # noqa: E402

CLASSES = ("cool", "neutral", "warm")


def main() -> None:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "catalog" / "foundation_shades.csv"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    pairs = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            described = undertone_from_description(row["description"].replace("selected", ""))
            if described:
                pairs.append((described, colour.undertone_from_lab(colour.hex_to_lab(row["hex"]))))
    matrix = {d: dict.fromkeys(CLASSES, 0) for d in (*CLASSES, "olive")}
    for described, predicted in pairs:
        matrix[described][predicted] += 1
    scored = [(d, p) for d, p in pairs if d != "olive"]
    accuracy = sum(d == p for d, p in scored) / len(scored)
    recalls = [matrix[c][c] / sum(matrix[c].values()) for c in CLASSES]
    opposite = sum((d, p) in (("warm", "cool"), ("cool", "warm")) for d, p in scored)
    warm_or_cool = sum(d in ("warm", "cool") for d, _ in scored)
    print(f"shades with a described undertone: {len(pairs)} ({len(scored)} warm/neutral/cool)")
    print(f"accuracy {accuracy:.3f}  balanced accuracy {sum(recalls) / 3:.3f}  "
          f"recall cool/neutral/warm {' / '.join(f'{r:.3f}' for r in recalls)}")
    print(f"opposite calls (warm<->cool) among warm+cool shades: {opposite / warm_or_cool:.3f}")
    print("confusion (rows: described, columns: predicted)")
    print(f"{'':>10}" + "".join(f"{c:>10}" for c in CLASSES))
    for described, counts in matrix.items():
        print(f"{described:>10}" + "".join(f"{counts[c]:>10}" for c in CLASSES))


if __name__ == "__main__":
    main()
