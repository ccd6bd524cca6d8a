"""Constraint precision and latency of text queries: does each top-10 result have the attributes its query asks
for? (``eval_text_query``; the committed query set is ``beautyrec/recommender/eval/text_queries.json``.)

precision@k of a query = the share of its returned results (at most k) that satisfy every expected attribute;
a query answered with nothing scores 0. The attributes are judged on the catalogue as served: the category,
the colour family of the shade (``colour_families``), finish, the undertone the recommender matches on, coverage,
price and brand.
"""

import json
import time
from pathlib import Path
from typing import Any, Final

import numpy as np

from beautyrec.recommender.services.colour_families import FAMILIES
from beautyrec.recommender.services.recommend import catalogue, recommend
from beautyrec.recommender.services.search import search_index

QUERY_SET: Final = Path(__file__).resolve().parents[1] / "eval" / "text_queries.json"
EXPECTED_KEYS: Final = frozenset({"category", "colour_family", "finish", "undertone", "coverage", "price_min",
                                  "price_max", "brand"})


def load_queries(path: Path) -> list[dict[str, Any]]:
    """``[{"q": ..., "expect": {attribute: value or [values]}}]``; unknown attributes or families are errors."""
    queries = json.loads(path.read_text(encoding="utf-8"))
    for item in queries:
        unknown = set(item["expect"]) - EXPECTED_KEYS
        if unknown:
            raise ValueError(f"{item['q']!r}: unknown attributes {sorted(unknown)}")
        families = item["expect"].get("colour_family", [])
        if any(f not in FAMILIES for f in ([families] if isinstance(families, str) else families)):
            raise ValueError(f"{item['q']!r}: unknown colour family {families!r}")
    return queries


def satisfied(row: int, expect: dict[str, Any]) -> dict[str, bool]:
    """Each expected attribute of catalogue row ``row``: met or not."""
    cat = catalogue()
    index = search_index(cat)
    have = {"category": cat.category[row], "colour_family": index.family[row], "finish": index.finish[row],
            "undertone": cat.tone[row], "coverage": index.coverage[row], "brand": cat.brand[row]}
    price = float(cat.price[row])
    checks: dict[str, bool] = {}
    for key, wanted in expect.items():
        if key == "price_min":
            checks[key] = not np.isnan(price) and price >= wanted
        elif key == "price_max":
            checks[key] = not np.isnan(price) and price <= wanted
        else:
            checks[key] = have[key] in ([wanted] if isinstance(wanted, str) else wanted)
    return checks


def evaluate(user: Any, queries: list[dict[str, Any]], *, k: int = 10) -> dict[str, Any]:
    """Run every query as ``user`` and score it (one untimed warm-up request builds the per-process caches)."""
    recommend(user=user, k=k, q="warm up")
    precisions, latencies, returned, misses = [], [], [], []
    attribute_hits: dict[str, list[bool]] = {}
    for item in queries:
        started = time.perf_counter()
        result = recommend(user=user, k=k, q=item["q"])
        latencies.append(time.perf_counter() - started)
        cat = catalogue()
        rows = [cat.index[r.product.id] for r in result.results]
        checks = [satisfied(row, item["expect"]) for row in rows]
        for check in checks:
            for key, ok in check.items():
                attribute_hits.setdefault(key, []).append(ok)
        good = sum(all(c.values()) for c in checks)
        precision = good / len(rows) if rows else 0.0
        precisions.append(precision)
        returned.append(len(rows))
        if precision < 1.0:
            misses.append({"q": item["q"], "precision": round(precision, 3), "returned": len(rows),
                           "dropped": (result.query or {}).get("dropped", [])})
    ms = np.array(latencies) * 1000
    return {
        "queries": len(queries), "k": k, "products": len(catalogue()),
        f"precision@{k}": round(float(np.mean(precisions)), 4),
        "attribute_precision": {key: round(float(np.mean(v)), 4) for key, v in sorted(attribute_hits.items())},
        "mean_results": round(float(np.mean(returned)), 2),
        "queries_without_results": int(sum(n == 0 for n in returned)),
        "latency_ms": {"p50": round(float(np.percentile(ms, 50)), 1), "p95": round(float(np.percentile(ms, 95)), 1),
                       "max": round(float(ms.max()), 1)},
        "misses": misses,
    }
