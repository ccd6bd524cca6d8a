"""Latency of a top-10 recommendation request with a 10,000-product catalogue.

Usage: python bench/recommend.py [--requests 300] [--users 400] [--query]

Runs in a throw-away SQLite database (never the dev database): the 7,099-product demo catalogue built from
../shared/data/catalog, topped up to 10,000 with concealer rows that reuse real foundation shades; users with a
selfie profile (skin measured by the attribute pipeline on a real face) and browsing histories; a model trained
with ``train_recommender_model`` (sources, SASRec, re-ranker). Prints p50/p95 of the service call and of the full
HTTP request (DRF, serialisation, authentication) for a user with history, with and without a category filter.
With ``--query`` it also times text queries (``?q=``, cycling through the committed evaluation query set
``beautyrec/recommender/eval/text_queries.json``) in the same run, beside the plain requests.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="bench-recommend-")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ["MODEL_ROOT"] = f"{_tmp}/models"
os.environ["MEDIA_ROOT"] = f"{_tmp}/media"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")

import django  # noqa: E402

django.setup()

from datetime import UTC, datetime, timedelta  # noqa: E402

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from beautyrec.recommender.models import Interaction, Product  # noqa: E402
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv  # noqa: E402
from beautyrec.recommender.services.demo_catalog import demo_rows  # noqa: E402
from beautyrec.recommender.services.recommend import recommend  # noqa: E402
from beautyrec.recommender.services.text_eval import QUERY_SET, load_queries  # noqa: E402
from beautyrec.recommender.services.training import train_recommender_model  # noqa: E402
from recognition.models import Face, Photo  # noqa: E402
from recognition.services.analysis import analyze_photo  # noqa: E402
from recognition.services.photos import store_photo  # noqa: E402

CATALOGUE_SIZE = 10_000
SELFIE = ROOT / "tests" / "fixtures" / "faces" / "Serena_Williams_0001.jpg"


def build_catalogue() -> None:
    rows = demo_rows(Path(settings.SHARED_DATA_DIR))
    foundations = [r for r in rows if r["category"] == "foundation"]
    extra = []
    for r in foundations[: CATALOGUE_SIZE - len(rows)]:
        extra.append({**r, "sku": "cnc-" + r["sku"][4:], "category": "concealer", "name": r["name"] + " Concealer"})
    import_catalog(content=rows_to_csv(rows + extra), filename="bench.csv")


def build_users(n_users: int, rng: np.random.Generator) -> list:
    """Users with a real selfie's attributes and 5-15 positives each, biased to a few hundred popular products."""
    users_model = get_user_model()
    owner = users_model.objects.create_user(username="selfie-owner")
    face = analyze_photo(photo=store_photo(owner=owner, upload=SELFIE.read_bytes()))[0]
    ids = np.array(Product.objects.order_by("id").values_list("id", flat=True))
    weights = 1.0 / np.arange(1, len(ids) + 1) ** 0.8
    weights /= weights.sum()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    users, rows = [], []
    for u in range(n_users):
        user = users_model.objects.create_user(username=f"bench{u}")
        photo = Photo.objects.create(owner=user, file=face.photo.file.name, width=face.photo.width,
                                     height=face.photo.height, source_format="JPEG", analyzed_at=start)
        Face.objects.create(photo=photo, index=0, box=face.box, landmarks=face.landmarks,
                            landmarks5=face.landmarks5, detector=face.detector, detection_score=1.0,
                            quality=face.quality, attributes=face.attributes)
        picks = rng.choice(ids, size=int(rng.integers(5, 16)), replace=False, p=weights)
        rows += [Interaction(user=user, product_id=int(p), kind="like", client_event_id=f"{u}-{i}",
                             timestamp=start + timedelta(hours=u, minutes=i)) for i, p in enumerate(picks)]
        users.append(user)
    Interaction.objects.bulk_create(rows)
    return users


def percentiles(samples: list[float]) -> str:
    ms = np.array(samples) * 1000
    return f"p50 {np.percentile(ms, 50):6.1f} ms  p95 {np.percentile(ms, 95):6.1f} ms  (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--query", action="store_true", help="also time text queries (?q=) in the same run")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    call_command("migrate", verbosity=0)
    build_catalogue()
    users = build_users(args.users, rng)
    started = time.perf_counter()
    mv = train_recommender_model(progress=lambda *_: None, epochs=5)
    print(f"catalogue: {Product.objects.count()} products; {Interaction.objects.count()} interactions of "
          f"{len(users)} users; model {mv.version} trained in {time.perf_counter() - started:.1f} s "
          f"(sequence model: {'yes' if mv.metrics['sequence_model'] else 'no'})")
    client = APIClient()
    texts = [q["q"] for q in load_queries(QUERY_SET)] if args.query else []
    runs = [("all categories", None, False), ("foundation", "foundation", False)]
    runs += [("text query", None, True)] if args.query else []
    for label, category, with_query in runs:
        service, http = [], []
        for i in range(args.requests + 10):
            user = users[i % len(users)]
            params = {"k": 10, **({"category": category} if category else {}),
                      **({"q": texts[i % len(texts)]} if with_query else {})}
            t = time.perf_counter()
            result = recommend(user=user, k=10, category=category, q=params.get("q"))
            service.append(time.perf_counter() - t)
            client.force_authenticate(user)
            t = time.perf_counter()
            response = client.get("/api/v1/recommendations/", params)
            http.append(time.perf_counter() - t)
            assert response.status_code == 200 and (with_query or len(result.results) == 10)
        print(f"top-10, {label:15s} service: {percentiles(service[10:])}")
        print(f"top-10, {label:15s} HTTP:    {percentiles(http[10:])}")


if __name__ == "__main__":
    main()
