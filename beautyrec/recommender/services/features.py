"""Candidate sources and the re-ranker's features, computed for a whole catalogue slice at once (numpy).

Serving and training call the same functions, so the re-ranker is fitted on exactly the features it scores.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Max, Q, Sum

from beautyrec.core import colour
from beautyrec.recommender.models import Category, Product
from beautyrec.recommender.services.profile import DEPTHS, UNDERTONES, FaceProfile

# Products matched to the skin itself by CIEDE2000.
BASE_CATEGORIES = frozenset({Category.FOUNDATION, Category.CONCEALER, Category.POWDER})
# Colour products whose harmony with skin depth and undertone matters.
COLOUR_CATEGORIES = frozenset({Category.LIPSTICK, Category.LIP_GLOSS, Category.LIP_LINER, Category.BLUSH,
                               Category.BRONZER, Category.HIGHLIGHTER})
# Used up and bought again; a purchased product of any other category is not recommended again.
CONSUMABLE_CATEGORIES = frozenset({Category.FOUNDATION, Category.CONCEALER, Category.POWDER, Category.MASCARA,
                                   Category.EYELINER, Category.BROW})

FEATURES = ("shade_match", "undertone_match", "colour_fit", "cohort_popularity", "popularity", "co_occurrence",
            "sequential", "category_affinity", "brand_affinity", "price_fit")
# dE2000 at which shade_match falls to 1/e; ~2 is a just-visible difference on skin, 6 is clearly the wrong shade.
SHADE_SCALE_DE = 4.0
# Lip/cheek colour: hue angle (degrees) above which a red reads warm (coral, brick) and below which cool (berry).
LIP_WARM_HUE = 30.0
LIP_COOL_HUE = 15.0
# How much darker than the skin a flattering lip/cheek colour is, by depth (L* difference): light skin carries
# soft shades close to it, deep skin rich shades well below its own lightness would wash out.
LIP_DEPTH_OFFSET = {"light": 25.0, "medium": 20.0, "deep": 12.0}
LIP_DEPTH_SCALE = 15.0
DE2000_SHORTLIST = 300
BRAND_SHORTLIST = 3


@dataclass
class Catalogue:
    """The active products as arrays (row i = products ``ids[i]``); rebuilt when the catalogue changes."""

    ids: np.ndarray
    category: np.ndarray
    brand: np.ndarray
    line: np.ndarray
    lab: np.ndarray  # (n, 3), NaN without a shade
    undertone: np.ndarray
    price: np.ndarray  # NaN without a price
    names: list[str]
    stamp: tuple = ()
    index: dict[int, int] = field(default_factory=dict)
    tone: np.ndarray = field(default_factory=lambda: np.array([]))
    brand_code: np.ndarray = field(default_factory=lambda: np.array([]))
    category_code: np.ndarray = field(default_factory=lambda: np.array([]))
    is_base: np.ndarray = field(default_factory=lambda: np.array([], bool))
    is_colour: np.ndarray = field(default_factory=lambda: np.array([], bool))

    def __post_init__(self) -> None:
        self.index = {int(pid): i for i, pid in enumerate(self.ids)}
        self.brand_code = np.unique(self.brand, return_inverse=True)[1] if len(self.ids) else np.array([], int)
        self.category_code = np.unique(self.category, return_inverse=True)[1] if len(self.ids) else np.array([], int)
        self.tone = effective_undertones(self.category, self.lab, self.undertone)
        has_shade = ~np.isnan(self.lab[:, 0])
        self.is_base = np.isin(self.category, list(BASE_CATEGORIES)) & has_shade
        self.is_colour = np.isin(self.category, list(COLOUR_CATEGORIES)) & has_shade

    def __len__(self) -> int:
        return len(self.ids)


def catalogue_stamp() -> tuple[int, int, int, str]:
    """Changes whenever a product is added, edited, activated or deactivated (bulk ``update()`` calls skip
    ``auto_now``, hence the active count and id sum besides the last edit)."""
    active = Q(is_active=True)
    agg = Product.objects.aggregate(n=Count("id"), active=Count("id", filter=active),
                                    ids=Sum("id", filter=active), last=Max("updated_at"))
    return agg["n"], agg["active"], agg["ids"] or 0, str(agg["last"])


def skin_undertones(lab: np.ndarray) -> np.ndarray:
    """``colour.undertone_from_lab`` for many colours at once."""
    offset = colour.undertone_hue_offset(lab)
    tone = np.where(offset < colour.UNDERTONE_COOL_BELOW, "cool",
                    np.where(offset > colour.UNDERTONE_WARM_ABOVE, "warm", "neutral"))
    return np.where(colour.chroma(lab) < colour.UNDERTONE_MIN_CHROMA, "neutral", tone).astype(object)


def effective_undertones(category: np.ndarray, lab: np.ndarray, tagged: np.ndarray) -> np.ndarray:
    """The undertone each product is matched on: the retailer's tag, else derived from the shade's colour
    (the skin rule for base products, the hue of reds for lip and cheek colours)."""
    tone = tagged.copy()
    has_shade = ~np.isnan(lab[:, 0]) if len(lab) else np.zeros(0, bool)
    base = np.isin(category, list(BASE_CATEGORIES)) & has_shade & (tagged == "")
    if base.any():
        tone[base] = skin_undertones(lab[base])
    lips = np.isin(category, list(COLOUR_CATEGORIES)) & has_shade
    if lips.any():
        tone[lips] = lip_undertone(lab[lips])
    return tone


def load_catalogue(stamp: tuple = ()) -> Catalogue:
    rows = list(Product.objects.filter(is_active=True).order_by("id").values_list(
        "id", "category", "brand", "name", "shade_l", "shade_a", "shade_b", "undertone", "price", "shade_name"))
    lab = np.array([[np.nan if v is None else v for v in r[4:7]] for r in rows], dtype=np.float64).reshape(-1, 3)
    return Catalogue(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        category=np.array([r[1] for r in rows], dtype=object),
        brand=np.array([r[2] for r in rows], dtype=object),
        line=np.array([f"{r[2]}|{r[3]}" for r in rows], dtype=object),
        lab=lab,
        undertone=np.array([r[7] or "" for r in rows], dtype=object),
        price=np.array([np.nan if r[8] is None else float(r[8]) for r in rows], dtype=np.float64),
        names=[f"{r[2]} {r[3]}" + (f" {r[9]}" if r[9] else "") for r in rows],
        stamp=stamp,
    )


def lip_undertone(lab: np.ndarray) -> np.ndarray:
    """warm / neutral / cool of lip and cheek colours from their hue (the skin rule does not apply to reds)."""
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    return np.where(hue > LIP_WARM_HUE, "warm", np.where(hue < LIP_COOL_HUE, "cool", "neutral"))


def undertone_agreement(product: np.ndarray, skin: str) -> np.ndarray:
    """1 for the same undertone, 0.5 when either is neutral/olive/unknown, 0 for warm against cool."""
    same = product == skin
    opposite = ((product == "warm") & (skin == "cool")) | ((product == "cool") & (skin == "warm"))
    return np.where(same, 1.0, np.where(opposite, 0.0, 0.5))


@dataclass
class History:
    """A user's positive interactions (product ids, oldest first) and what must not be shown again."""

    positives: list[int] = field(default_factory=list)
    disliked: set[int] = field(default_factory=set)
    purchased: set[int] = field(default_factory=set)


@dataclass
class Sources:
    """Per-item statistics learned from interactions; all arrays are over the artefact's ``product_ids``."""

    product_ids: np.ndarray
    popularity: np.ndarray
    cohort_popularity: np.ndarray  # (len(DEPTHS) * len(UNDERTONES), n)
    similarity: object | None  # scipy CSR item-item similarity, or None without interactions
    position: dict[int, int] = field(default_factory=dict)
    _rows: dict[tuple, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {int(p): i for i, p in enumerate(self.product_ids)}

    def rows_for(self, catalogue: Catalogue) -> np.ndarray:
        """Index into the artefact arrays for each catalogue row (-1: product unknown to the artefact)."""
        key = catalogue.stamp or (id(catalogue),)
        if key not in self._rows:
            self._rows.clear()
            self._rows[key] = np.array([self.position.get(int(p), -1) for p in catalogue.ids], dtype=np.int64)
        return self._rows[key]


def cohort_index(profile: FaceProfile | None) -> int | None:
    if profile is None or profile.undertone not in UNDERTONES:
        return None
    return DEPTHS.index(profile.depth) * len(UNDERTONES) + UNDERTONES.index(profile.undertone)


def _scaled(values: np.ndarray) -> np.ndarray:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def compute_features(catalogue: Catalogue, rows: np.ndarray, *, profile: FaceProfile | None, history: History,
                     sources: Sources | None, source_rows: np.ndarray | None,
                     sequential: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(len(rows), len(FEATURES)) features of catalogue ``rows``, plus raw values the reasons quote.

    ``sequential`` is the sequence model's probability for each of ``rows`` (None without a model).
    """
    n = len(rows)
    lab = catalogue.lab[rows]
    base = catalogue.is_base[rows]
    colour_rows = catalogue.is_colour[rows]
    feats = np.zeros((n, len(FEATURES)), dtype=np.float64)
    raw: dict[str, np.ndarray] = {"delta_e": np.full(n, np.nan)}
    if profile is not None:
        if base.any():
            de = skin_distances(profile.lab, lab[base], catalogue.brand_code[rows][base])
            raw["delta_e"][base] = de
            feats[base, 0] = np.exp(-de / SHADE_SCALE_DE)
            feats[base, 1] = undertone_agreement(catalogue.tone[rows][base], profile.undertone)
        if colour_rows.any():
            feats[colour_rows, 1] = undertone_agreement(catalogue.tone[rows][colour_rows], profile.undertone)
            gap = profile.skin_lab[0] - lab[colour_rows, 0]
            feats[colour_rows, 2] = np.exp(-np.abs(gap - LIP_DEPTH_OFFSET[profile.depth]) / LIP_DEPTH_SCALE)
    if sources is not None and source_rows is not None:
        known = source_rows >= 0
        idx = source_rows[known]
        cohort = cohort_index(profile)
        if cohort is not None:
            feats[known, 3] = _log_scaled(sources.cohort_popularity[cohort], idx)
        feats[known, 4] = _log_scaled(sources.popularity, idx)
        raw["cohort_count"] = np.zeros(n)
        if cohort is not None:
            raw["cohort_count"][known] = sources.cohort_popularity[cohort][idx]
        if sources.similarity is not None and history.positives:
            feats[:, 5], raw["because"] = _co_occurrence(sources, history.positives, source_rows)
    if sequential is not None:
        feats[:, 6] = _scaled(sequential)
    if history.positives:
        liked = [catalogue.index[p] for p in history.positives if p in catalogue.index]
        if liked:
            feats[:, 7] = _share(catalogue.category_code[liked], catalogue.category_code[rows])
            feats[:, 8] = _share(catalogue.brand_code[liked], catalogue.brand_code[rows])
            prices = catalogue.price[liked]
            prices = prices[~np.isnan(prices)]
            own = catalogue.price[rows]
            if len(prices):
                ratio = np.abs(np.log(np.where(np.isnan(own), 1.0, own) / np.median(prices)))
                feats[:, 9] = np.where(np.isnan(own), 0.5, np.exp(-ratio))
    return feats, raw


def skin_distances(skin: np.ndarray, shades: np.ndarray, brands: np.ndarray) -> np.ndarray:
    """dE2000 from the skin to each shade, computed exactly for a shortlist by the cheap CIE76 distance: the
    DE2000_SHORTLIST nearest overall plus each brand's BRAND_SHORTLIST nearest (so every brand's closest shade
    is exact); the rest keep their CIE76 distance, which for these far shades only orders the tail."""
    de = np.linalg.norm(shades - skin, axis=1)
    if len(de) <= DE2000_SHORTLIST:
        return colour.ciede2000(skin[None, :], shades)
    order = np.lexsort((de, brands))
    sorted_brands = brands[order]
    starts = np.flatnonzero(np.r_[True, sorted_brands[1:] != sorted_brands[:-1]])
    rank_in_brand = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    shortlist = np.union1d(order[rank_in_brand < BRAND_SHORTLIST], np.argpartition(de, DE2000_SHORTLIST)[
        :DE2000_SHORTLIST])
    de[shortlist] = colour.ciede2000(skin[None, :], shades[shortlist])
    return de


def _log_scaled(counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    top = counts.max() if len(counts) else 0.0
    return np.log1p(counts[idx]) / np.log1p(top) if top > 0 else np.zeros(len(idx))


def _share(liked_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Share of the user's liked products with each row's code (category or brand)."""
    counts = np.bincount(liked_codes, minlength=int(codes.max(initial=0)) + 1)
    return counts[codes] / len(liked_codes)


def _co_occurrence(sources: Sources, positives: Sequence[int], source_rows: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """kNN score of each row from the user's recent positives (newer weigh more), and which liked product
    contributed most (artefact index, -1 for none): the "because you liked X" of the reasons."""
    recent = [sources.position[p] for p in positives[-20:] if p in sources.position]
    n = len(source_rows)
    if not recent:
        return np.zeros(n), np.full(n, -1)
    weights = CO_OCCURRENCE_DECAY ** np.arange(len(recent) - 1, -1, -1, dtype=np.float64)
    sim = sources.similarity[recent].toarray() * weights[:, None]  # (history, items)
    known = source_rows >= 0
    contributions = np.zeros((len(recent), n))
    contributions[:, known] = sim[:, source_rows[known]]
    because = np.where(contributions.max(axis=0) > 0, np.asarray(recent)[contributions.argmax(axis=0)], -1)
    return _scaled(contributions.sum(axis=0)), because


CO_OCCURRENCE_DECAY = 0.6
