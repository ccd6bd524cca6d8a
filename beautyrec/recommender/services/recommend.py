"""Recommendations for one user: candidate sources -> re-ranker -> business rules -> reasons."""

import math
import time
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
from beautyrec.recommender.services.query import ParsedQuery, check_length, parse_query
from beautyrec.recommender.services.search import SearchIndex, apply_constraints, search_index

CANDIDATES_PER_SOURCE = 200
# Colour products: another shade this close (dE2000) to one already chosen adds nothing.
MIN_SHADE_SPACING_DE = 3.0
# A shade reason is given only when the match is good enough to say so.
SHADE_REASON_MAX_DE = 6.0
# How stale the process's view of the catalogue and the active model version may be.
FRESHNESS_SECONDS = 5.0
_stamp_checked: tuple[float, tuple] = (-1e9, ())
# Free-text relevance (BM25 scaled to 0-1 over the considered rows) is added to the re-ranker's 0-1 score with
# this weight: a product that matches the words outranks one that only fits the face and history.
TEXT_WEIGHT = 1.0
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
    query: dict[str, Any] | None = None


@dataclass
class TextQuery:
    """A parsed query applied to this catalogue: the index, the query terms found in it, and the relevance of
    every catalogue row (0-1)."""

    parsed: ParsedQuery
    index: SearchIndex
    terms: dict[str, str]
    relevance: np.ndarray

    def as_dict(self, matching: int) -> dict[str, Any]:
        found = set(self.terms.values())
        return {"text": self.parsed.text, "constraints": self.parsed.constraints(), "words": self.parsed.words,
                "free_text": self.parsed.free_text,
                "unmatched_words": [w for w in self.parsed.free_text if not any(w in f.split() for f in found)],
                "dropped": self.parsed.dropped, "matching_products": matching}

    def reason(self, row: int) -> str | None:
        said = [*self.parsed.words, *self.index.matched_words(row, self.terms)]
        return "matches " + ", ".join(f'"{w}"' for w in said) if said else None


def catalogue() -> Catalogue:
    """The active catalogue as arrays, rebuilt in this process only when products change (checked at most
    every FRESHNESS_SECONDS: an edit shows within that time)."""
    global _stamp_checked
    now = time.monotonic()
    if now - _stamp_checked[0] > FRESHNESS_SECONDS:
        _stamp_checked = (now, catalogue_stamp())
    stamp = _stamp_checked[1]
    evict(lambda key: isinstance(key, tuple) and key[:1] == ("catalogue",) and key[1] != stamp)
    return cached(("catalogue", stamp), lambda: load_catalogue(stamp))


def forget_catalogue() -> None:
    """Make the next request re-check the catalogue (after an import in this process, and between tests)."""
    global _stamp_checked
    _stamp_checked = (-1e9, ())


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


def recommend(*, user: Any, k: int = 10, category: str | None = None, q: str | None = None
              ) -> RecommendationResult:
    """Top-k products for ``user`` (optionally one category, optionally a text query ``q``), each with a score
    and short reasons. A query's constraints filter the products (relaxed when nothing matches) and its free
    text adds BM25 relevance to the re-ranker's score; the result's ``query`` says what was understood."""
    if q is not None:
        check_length(q)
    profile = face_profile(user=user)
    history = user_history(user)
    model = active_model()
    cat = catalogue()
    rows = np.arange(len(cat)) if category is None else np.flatnonzero(cat.category == category)
    blocked = history.disliked | history.purchased
    if blocked:
        rows = rows[~np.isin(cat.ids[rows], list(blocked))]
    text = _text_query(cat, q) if q and q.strip() else None
    if text is not None:
        rows = apply_constraints(cat, text.index, text.parsed, rows)
    summary = text.as_dict(len(rows)) if text is not None else None
    if not len(rows):
        return RecommendationResult(profile=profile, model_version=model.version, results=[], query=summary)
    relevance = None
    if text is not None and text.terms:
        relevance = text.relevance[rows]
        top = relevance.max()
        relevance = relevance / top if top > 0 else None
    ranking = rank_rows(cat, rows, profile=profile, history=history, model=model, text=relevance)
    # With words to match or a brand asked for, the one-shade rule is per product line: a brand's closest shade
    # in another line would not match the words, and one brand's lines are then all wanted.
    by_line = text is not None and bool(text.terms or text.parsed.brands)
    chosen = apply_business_rules(cat, ranking, k=k, group=text.index.line_code if by_line else None,
                                  per_brand=k if text is not None and text.parsed.brands else None)
    products = Product.objects.in_bulk([int(cat.ids[ranking.rows[i]]) for i, _ in chosen])
    results = []
    for i, score in chosen:
        reasons = reasons_for(cat, ranking, i, profile, model)
        said = text.reason(int(ranking.rows[i])) if text is not None else None
        if said:
            reasons = [said, *reasons[:2]]
        results.append(Recommendation(product=products[int(cat.ids[ranking.rows[i]])], score=round(score, 4),
                                      reasons=reasons))
    return RecommendationResult(profile=profile, model_version=model.version, results=results, query=summary)


def _text_query(cat: Catalogue, q: str) -> TextQuery:
    index = search_index(cat)
    parsed = parse_query(q, aliases=index.aliases)
    terms = index.query_terms(parsed.free_text)
    return TextQuery(parsed=parsed, index=index, terms=terms, relevance=index.scores(terms))


@dataclass
class Ranking:
    """Every considered row's features; ``order`` lists the re-ranked candidates (positions), best first."""

    rows: np.ndarray
    features: np.ndarray
    raw: dict[str, np.ndarray]
    order: np.ndarray
    scores: np.ndarray  # re-ranker score per position (NaN outside the candidates)

    def feature(self, position: int, name: str) -> float:
        return float(self.features[position, FEATURES.index(name)])


def rank_rows(cat: Catalogue, rows: np.ndarray, *, profile: FaceProfile | None, history: History,
              model: RecommenderModel, text: np.ndarray | None = None) -> Ranking:
    """Score the union of each source's top candidates with the re-ranker, best first. ``text`` (0-1 free-text
    relevance per row) is one more candidate source and adds TEXT_WEIGHT times itself to the score."""
    source_rows = model.sources.rows_for(cat)[rows] if model.sources is not None else None
    sequential = None
    probabilities = model.sequence_probabilities(history.positives)
    if probabilities is not None and source_rows is not None:
        sequential = np.where(source_rows >= 0, probabilities[np.maximum(source_rows, 0)], 0.0)
    feats, raw = compute_features(cat, rows, profile=profile, history=history, sources=model.sources,
                                  source_rows=source_rows, sequential=sequential)
    candidates = candidate_positions(feats)
    if text is not None and len(rows) > CANDIDATES_PER_SOURCE:
        candidates = np.union1d(candidates, np.argpartition(-text, CANDIDATES_PER_SOURCE)[:CANDIDATES_PER_SOURCE])
    scores = np.full(len(rows), np.nan)
    scores[candidates] = model.reranker.score(feats[candidates])
    if text is not None:
        scores[candidates] += TEXT_WEIGHT * text[candidates]
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    return Ranking(rows=rows, features=feats, raw=raw, order=order, scores=scores)


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


def closest_in_brand(cat: Catalogue, ranking: Ranking, group: np.ndarray | None = None
                     ) -> dict[tuple[int, int], int]:
    """(brand code, category code) -> position of that brand's closest skin-matched shade (all rows, not only
    the candidates: the shown shade must be the best of the brand's range). ``group`` replaces the brand codes
    (product line codes for a text query)."""
    de = ranking.raw["delta_e"]
    measured = np.flatnonzero(~np.isnan(de))
    if not len(measured):
        return {}
    rows = ranking.rows[measured]
    brand, category = (cat.brand_code if group is None else group)[rows], cat.category_code[rows]
    order = np.lexsort((de[measured], category, brand))
    key = brand[order] * (int(category.max()) + 1) + category[order]
    first = np.r_[True, key[1:] != key[:-1]]
    winners = measured[order[first]]
    return dict(zip(zip(brand[order[first]].tolist(), category[order[first]].tolist(), strict=True),
                    winners.tolist(), strict=True))


def apply_business_rules(cat: Catalogue, ranking: Ranking, *, k: int, group: np.ndarray | None = None,
                         per_brand: int | None = None) -> list[tuple[int, float]]:
    """Diversity: one shade per brand for skin-matched products (that brand's closest shade when the skin is
    known), at most ceil(k/3) products per brand overall (``per_brand`` instead when given), and colour shades at
    least MIN_SHADE_SPACING_DE apart. With ``group`` (product line codes) the one-shade rule is per line.
    Returns (position, score) pairs."""
    per_brand_cap = per_brand or max(1, math.ceil(k / 3))
    codes = cat.brand_code if group is None else group
    best_base = closest_in_brand(cat, ranking, group)
    chosen: list[tuple[int, float]] = []
    brands: dict[int, int] = {}
    seen_base: set[tuple[int, int]] = set()
    for position in ranking.order.tolist():
        row = ranking.rows[position]
        brand, category = int(cat.brand_code[row]), cat.category[row]
        score = float(ranking.scores[position])
        if category in BASE_CATEGORIES:
            key = (int(codes[row]), int(cat.category_code[row]))
            if key in seen_base:
                continue
            seen_base.add(key)
            position = best_base.get(key, position)
            row = ranking.rows[position]
        if brands.get(brand, 0) >= per_brand_cap:
            continue
        if category in COLOUR_CATEGORIES and _too_close(cat, row, [ranking.rows[p] for p, _ in chosen]):
            continue
        brands[brand] = brands.get(brand, 0) + 1
        chosen.append((position, score))
        if len(chosen) == k:
            break
    return chosen


def _too_close(cat: Catalogue, row: int, chosen_rows: list[int]) -> bool:
    lab = cat.lab[row]
    others = [r for r in chosen_rows if cat.category[r] == cat.category[row] and not np.isnan(cat.lab[r, 0])]
    if np.isnan(lab[0]) or not others:
        return False
    return bool(colour.ciede2000(lab[None, :], cat.lab[others]).min() < MIN_SHADE_SPACING_DE)


def reasons_for(cat: Catalogue, ranking: Ranking, position: int, profile: FaceProfile | None,
                model: RecommenderModel) -> list[str]:
    """Up to three short, true statements about why this product was chosen, strongest first."""
    row = ranking.rows[position]
    raw = {**{name: v[position] for name, v in ranking.raw.items()},
           **dict(zip(FEATURES, ranking.features[position].tolist(), strict=True))}
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
