"""Recommendations for one user: candidate sources -> re-ranker -> business rules -> reasons."""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from beautyrec.core import colour
from beautyrec.core.ml.runtime import cached, evict
from beautyrec.recommender.models import Interaction, InteractionKind, Product
from beautyrec.recommender.services.features import (
    BASE_CATEGORIES,
    COLOUR_CATEGORIES,
    CONSUMABLE_CATEGORIES,
    FEATURES,
    Catalogue,
    History,
    catalogue_stamp,
    compute_features,
    load_catalogue,
)
from beautyrec.recommender.services.interactions import is_positive
from beautyrec.recommender.services.model import RecommenderModel, active_model
from beautyrec.recommender.services.profile import FaceProfile, face_profile

CANDIDATES_PER_SOURCE = 200
# Colour products: another shade this close (dE2000) to one already chosen adds nothing.
MIN_SHADE_SPACING_DE = 3.0
# A shade reason is given only when the match is good enough to say so.
SHADE_REASON_MAX_DE = 6.0
SOURCE_FEATURES = ("shade_match", "colour_fit", "cohort_popularity", "popularity", "co_occurrence", "sequential")


@dataclass
class Recommendation:
    product: Product
    score: float
    reasons: list[str]


@dataclass
class RecommendationResult:
    profile: FaceProfile | None
    model_version: str
    results: list[Recommendation]


def catalogue() -> Catalogue:
    """The active catalogue as arrays, rebuilt in this process only when products change."""
    stamp = catalogue_stamp()
    evict(lambda key: isinstance(key, tuple) and key[:1] == ("catalogue",) and key[1] != stamp)
    return cached(("catalogue", stamp), load_catalogue)


def user_history(user: Any) -> History:
    history = History()
    events = (Interaction.objects.filter(user=user).order_by("timestamp", "id")
              .values_list("product_id", "kind", "value", "product__category"))
    for product_id, kind, value, category in events:
        if kind == InteractionKind.DISLIKE:
            history.disliked.add(product_id)
        elif is_positive(kind, value):
            if product_id in history.positives:
                history.positives.remove(product_id)
            history.positives.append(product_id)
        if kind == InteractionKind.PURCHASE and category not in CONSUMABLE_CATEGORIES:
            history.purchased.add(product_id)
    return history


def recommend(*, user: Any, k: int = 10, category: str | None = None) -> RecommendationResult:
    """Top-k products for ``user`` (optionally one category), each with a score and short reasons."""
    profile = face_profile(user=user)
    history = user_history(user)
    model = active_model()
    cat = catalogue()
    rows = np.arange(len(cat)) if category is None else np.flatnonzero(cat.category == category)
    blocked = history.disliked | history.purchased
    if blocked:
        rows = rows[~np.isin(cat.ids[rows], list(blocked))]
    if not len(rows):
        return RecommendationResult(profile=profile, model_version=model.version, results=[])
    ranked = rank_rows(cat, rows, profile=profile, history=history, model=model)
    chosen = apply_business_rules(cat, ranked, k=k)
    products = Product.objects.in_bulk([int(cat.ids[r]) for r, _, _ in chosen])
    results = [Recommendation(product=products[int(cat.ids[r])], score=round(float(s), 4),
                              reasons=reasons_for(cat, r, raw, profile, model)) for r, s, raw in chosen]
    return RecommendationResult(profile=profile, model_version=model.version, results=results)


def rank_rows(cat: Catalogue, rows: np.ndarray, *, profile: FaceProfile | None, history: History,
              model: RecommenderModel) -> list[tuple[int, float, dict[str, Any]]]:
    """Score the union of each source's top candidates with the re-ranker, best first."""
    source_rows = model.sources.rows_for(cat)[rows] if model.sources is not None else None
    sequential = None
    probabilities = model.sequence_probabilities(history.positives)
    if probabilities is not None and source_rows is not None:
        sequential = np.where(source_rows >= 0, probabilities[np.maximum(source_rows, 0)], 0.0)
    feats, raw = compute_features(cat, rows, profile=profile, history=history, sources=model.sources,
                                  source_rows=source_rows, sequential=sequential)
    candidates = candidate_positions(feats)
    scores = model.reranker.score(feats[candidates])
    order = candidates[np.argsort(-scores, kind="stable")]
    score_of = dict(zip(candidates.tolist(), scores.tolist(), strict=True))
    return [(int(rows[i]), score_of[int(i)], {**{k: v[i] for k, v in raw.items()},
                                              **dict(zip(FEATURES, feats[i], strict=True))}) for i in order]


def candidate_positions(feats: np.ndarray) -> np.ndarray:
    """Union of the top CANDIDATES_PER_SOURCE of every source that has signal."""
    if len(feats) <= CANDIDATES_PER_SOURCE:
        return np.arange(len(feats))
    picked = []
    for name in SOURCE_FEATURES:
        column = feats[:, FEATURES.index(name)]
        if column.max() > 0:
            picked.append(np.argpartition(-column, CANDIDATES_PER_SOURCE)[:CANDIDATES_PER_SOURCE])
    if not picked:
        return np.arange(min(len(feats), CANDIDATES_PER_SOURCE))
    return np.unique(np.concatenate(picked))


def apply_business_rules(cat: Catalogue, ranked: list[tuple[int, float, dict[str, Any]]], *, k: int
                         ) -> list[tuple[int, float, dict[str, Any]]]:
    """Diversity: one shade per brand for skin-matched products (that brand's closest shade when the skin is
    known), at most ceil(k/3) products per brand overall, and colour shades at least MIN_SHADE_SPACING_DE apart."""
    per_brand_cap = max(1, math.ceil(k / 3))
    best_base: dict[str, tuple[int, float, dict[str, Any]]] = {}
    for item in ranked:
        row, _, raw = item
        if cat.category[row] in BASE_CATEGORIES and not np.isnan(raw["delta_e"]):
            key = f"{cat.brand[row]}|{cat.category[row]}"
            if key not in best_base or raw["delta_e"] < best_base[key][2]["delta_e"]:
                best_base[key] = item
    chosen: list[tuple[int, float, dict[str, Any]]] = []
    brands: dict[str, int] = {}
    seen_base: set[str] = set()
    for row, score, raw in ranked:
        brand, category = cat.brand[row], cat.category[row]
        if category in BASE_CATEGORIES:
            key = f"{brand}|{category}"
            if key in seen_base:
                continue
            seen_base.add(key)
            if key in best_base:
                row, raw = best_base[key][0], best_base[key][2]
        if brands.get(brand, 0) >= per_brand_cap:
            continue
        if category in COLOUR_CATEGORIES and _too_close(cat, row, chosen):
            continue
        brands[brand] = brands.get(brand, 0) + 1
        chosen.append((row, score, raw))
        if len(chosen) == k:
            break
    return chosen


def _too_close(cat: Catalogue, row: int, chosen: list[tuple[int, float, dict[str, Any]]]) -> bool:
    lab = cat.lab[row]
    others = [r for r, _, _ in chosen if cat.category[r] == cat.category[row] and not np.isnan(cat.lab[r, 0])]
    if np.isnan(lab[0]) or not others:
        return False
    return bool(colour.ciede2000(lab[None, :], cat.lab[others]).min() < MIN_SHADE_SPACING_DE)


def reasons_for(cat: Catalogue, row: int, raw: dict[str, Any], profile: FaceProfile | None,
                model: RecommenderModel) -> list[str]:
    """Up to three short, true statements about why this product was chosen, strongest first."""
    reasons: list[tuple[float, str]] = []
    de = raw.get("delta_e", np.nan)
    if profile is not None and not np.isnan(de) and de <= SHADE_REASON_MAX_DE:
        reasons.append((3.0 - de / 3.0, f"shade within dE {de:.1f} of your skin"))
    if profile is not None and raw["undertone_match"] == 1.0 and cat.category[row] in BASE_CATEGORIES:
        reasons.append((1.0, f"{profile.undertone} undertone like yours"))
    if profile is not None and raw["colour_fit"] >= 0.5:
        reasons.append((1.5 * raw["colour_fit"] + raw["undertone_match"],
                        f"suits {profile.depth} skin with a {profile.undertone} undertone"))
    because = int(raw.get("because", -1))
    if because >= 0 and raw["co_occurrence"] > 0.2 and model.sources is not None:
        liked = int(model.sources.product_ids[because])
        if liked in cat.index:
            reasons.append((2.0 + raw["co_occurrence"], f"because you liked {cat.names[cat.index[liked]]}"))
    if raw["sequential"] > 0.5:
        reasons.append((1.8, "often chosen next by people with your history"))
    if profile is not None and raw.get("cohort_count", 0) >= 2 and raw["cohort_popularity"] >= 0.5:
        reasons.append((1.2, f"popular with {profile.cohort} skin tones"))
    if not reasons and raw["popularity"] > 0:
        reasons.append((0.1, "popular with our customers"))
    return [text for _, text in sorted(reasons, key=lambda r: -r[0])[:3]]
