"""Shade matching on real faces: the top foundation recommendation vs the skin the attribute pipeline measured.

Usage: python bench/recommend_shades.py [--faces 150] [--utkface ../shared/data/utkface]

In a throw-away SQLite database: the demo catalogue (6,812 real foundation shades from 107 brands), then for
each UTKFace photo (a deterministic sample) a user whose selfie is analysed by the recognition pipeline and who
asks for one foundation (cold start, no history). Prints the median and p90 dE2000 between the measured skin
and the recommended shade, how often that shade is the closest of its brand's whole range (must be 100 %), and
the closest shade of any brand for comparison. Undertone agreement of the shade colours with the retailers'
descriptions is bench/attributes_undertone.py.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="bench-shades-")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ["MEDIA_ROOT"] = f"{_tmp}/media"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from beautyrec.core.errors import ServiceError  # noqa: E402
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv  # noqa: E402
from beautyrec.recommender.services.demo_catalog import demo_rows  # noqa: E402
from beautyrec.recommender.services.shade_check import check_top_foundation  # noqa: E402
from recognition.services.analysis import analyze_photo  # noqa: E402
from recognition.services.photos import store_photo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faces", type=int, default=150)
    parser.add_argument("--utkface", type=Path, default=Path(settings.SHARED_DATA_DIR) / "utkface")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rows = [r for r in demo_rows(Path(settings.SHARED_DATA_DIR)) if r["category"] == "foundation"]
    import_catalog(content=rows_to_csv(rows), filename="foundations.csv")
    files = sorted(args.utkface.glob("*.jpg"))
    rng = np.random.default_rng(0)
    sample = [files[i] for i in rng.choice(len(files), size=min(args.faces, len(files)), replace=False)]
    checks, skipped = [], 0
    for i, path in enumerate(sample):
        user = get_user_model().objects.create_user(username=f"face{i}")
        try:
            faces = analyze_photo(photo=store_photo(owner=user, upload=path.read_bytes()))
        except ServiceError:
            skipped += 1
            continue
        skin = faces[0].attributes.get("skin", {}) if faces else {}
        if not skin.get("lab"):
            skipped += 1
            continue
        checks.append(check_top_foundation(user=user, skin_lab=skin["lab"]))
    top = np.array([c.top_delta_e for c in checks])
    best = np.array([c.catalogue_best_delta_e for c in checks])
    print(f"{len(rows)} foundation shades; {len(checks)} UTKFace faces measured ({skipped} without a measurable "
          f"skin)")
    print(f"top recommendation dE2000 to the measured skin: median {np.median(top):.2f}, p90 "
          f"{np.percentile(top, 90):.2f}, max {top.max():.2f}")
    print(f"closest shade of any brand:                     median {np.median(best):.2f}, p90 "
          f"{np.percentile(best, 90):.2f}")
    print(f"top recommendation is its brand's closest shade: {sum(c.is_best_in_brand for c in checks)}/"
          f"{len(checks)}; distinct brands on top: {len({c.brand for c in checks})}")


if __name__ == "__main__":
    main()
