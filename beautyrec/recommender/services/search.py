"""A parsed text query applied to the catalogue: constraint masks (relaxed until something matches) and free-text
relevance with BM25.

BM25 (the ``bm25s`` package: sparse-matrix BM25 in numpy/scipy, Snowball stemming from ``PyStemmer``) runs
offline with no model file to download and scores a query over the whole catalogue in well under a millisecond.
The index (over product name, shade name, tags, description and brand) is built once per catalogue version in
each process, like the catalogue arrays (``recommend.catalogue``); that takes a second or two for the 7,090-product
demo catalogue, paid by the first query after a change.
"""

import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Final

import bm25s
import numpy as np
import Stemmer

from beautyrec.core.ml.runtime import cached, evict
from beautyrec.recommender.models import Product
from beautyrec.recommender.services.colour_families import shade_families
from beautyrec.recommender.services.features import Catalogue
from beautyrec.recommender.services.query import STOPWORDS, ParsedQuery, brand_aliases, normalise

# Constraints given up first when together they match nothing: least important first.
RELAX_ORDER: Final = ("coverage", "undertone", "finish", "price", "colour_family", "brand", "category")
_WORD: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_stemmer = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """Index terms of one word: its stem, and for "long-wear" the stems of "long", "wear" and "longwear"
    (cached: the catalogue's texts repeat the same few thousand words)."""
    parts = [p for p in word.split("-") if p]
    terms = parts + (["".join(parts)] if len(parts) > 1 else [])
    return tuple(_stemmer.stemWord(t) for t in terms if t not in STOPWORDS)


def text_terms(text: str) -> list[str]:
    return [term for word in _WORD.findall(normalise(text)) for term in stems(word)]


@dataclass
class SearchIndex:
    """Per catalogue version: BM25 over each row's text, the attributes constraints test, and brand aliases."""

    retriever: Any
    vocabulary: frozenset[str]
    doc_terms: list[frozenset[str]]
    finish: np.ndarray
    coverage: np.ndarray
    family: np.ndarray
    line_code: np.ndarray
    aliases: dict[str, str] = field(default_factory=dict)

    def query_terms(self, words: list[str]) -> dict[str, str]:
        """Index term -> the query word it came from; adjacent words also try their joined form ("long wear"
        finds "Longwear")."""
        terms: dict[str, str] = {}
        for word in words:
            for term in stems(word):
                terms.setdefault(term, word)
        for first, second in itertools.pairwise(words):
            joined = _stemmer.stemWord(first + second)
            terms.setdefault(joined, f"{first} {second}")
        return {term: word for term, word in terms.items() if term in self.vocabulary}

    def scores(self, terms: dict[str, str]) -> np.ndarray:
        """BM25 of every catalogue row for the query terms (zeros without any known term)."""
        if not terms:
            return np.zeros(len(self.doc_terms))
        return np.asarray(self.retriever.get_scores(list(terms)), dtype=np.float64)

    def matched_words(self, row: int, terms: dict[str, str]) -> list[str]:
        return list(dict.fromkeys(word for term, word in terms.items() if term in self.doc_terms[row]))


def build_index(cat: Catalogue) -> SearchIndex:
    fields = Product.objects.filter(is_active=True).values_list(
        "id", "brand", "name", "shade_name", "tags", "description", "finish", "coverage")
    by_id = {row[0]: row[1:] for row in fields}
    empty = ("", "", "", [], "", "", "")
    rows = [by_id.get(int(pid), empty) for pid in cat.ids]
    docs = [text_terms(" ".join([brand, name, shade, " ".join(tags or []), description]))
            for brand, name, shade, tags, description, _, _ in rows]
    retriever = bm25s.BM25()
    if docs:
        retriever.index([d or ["_"] for d in docs], show_progress=False)
    return SearchIndex(
        retriever=retriever, vocabulary=frozenset(t for d in docs for t in d), doc_terms=[frozenset(d) for d in docs],
        finish=np.array([r[5] or "" for r in rows], dtype=object),
        coverage=np.array([r[6] or "" for r in rows], dtype=object),
        family=shade_families(cat.lab, is_base=cat.is_base, is_colour=cat.is_colour),
        line_code=np.unique(cat.line, return_inverse=True)[1] if len(cat) else np.zeros(0, np.int64),
        aliases=brand_aliases(sorted(set(cat.brand.tolist()))),
    )


def search_index(cat: Catalogue) -> SearchIndex:
    """The index of this catalogue version, built once per process (older versions are evicted)."""
    key = ("catalogue-search", cat.stamp or id(cat))
    evict(lambda k: isinstance(k, tuple) and k[:1] == ("catalogue-search",) and k != key)
    return cached(key, lambda: build_index(cat))


def constraint_masks(cat: Catalogue, index: SearchIndex, parsed: ParsedQuery) -> dict[str, np.ndarray]:
    """One boolean mask over the catalogue rows per constraint the query sets."""
    masks: dict[str, np.ndarray] = {}
    if parsed.categories:
        masks["category"] = np.isin(cat.category, list(parsed.categories))
    if parsed.families:
        masks["colour_family"] = np.isin(index.family, list(parsed.families))
    if parsed.finish:
        masks["finish"] = index.finish == parsed.finish
    if parsed.undertone:
        masks["undertone"] = cat.tone == parsed.undertone
    if parsed.coverage:
        masks["coverage"] = index.coverage == parsed.coverage
    if parsed.price_min is not None or parsed.price_max is not None:
        price = np.nan_to_num(cat.price, nan=-1.0)
        low = parsed.price_min if parsed.price_min is not None else 0.0
        high = parsed.price_max if parsed.price_max is not None else np.inf
        masks["price"] = ~np.isnan(cat.price) & (price >= low) & (price <= high)
    if parsed.brands:
        masks["brand"] = np.isin(cat.brand, list(parsed.brands))
    return masks


def apply_constraints(cat: Catalogue, index: SearchIndex, parsed: ParsedQuery, rows: np.ndarray) -> np.ndarray:
    """The rows satisfying every constraint. When none does, constraints are dropped in RELAX_ORDER until some
    row matches, then every dropped one that still leaves a match is put back; the ones finally given up are
    recorded in ``parsed.dropped`` (reason ``no_match``)."""
    masks = constraint_masks(cat, index, parsed)
    considered = np.zeros(len(cat), bool)
    considered[rows] = True

    def matching(kinds: list[str]) -> np.ndarray:
        mask = considered.copy()
        for kind in kinds:
            mask &= masks[kind]
        return mask

    kept = [kind for kind in RELAX_ORDER if kind in masks]
    given_up: list[str] = []
    while kept and not matching(kept).any():
        given_up.append(kept.pop(0))
    for kind in reversed(given_up):
        if matching([*kept, kind]).any():
            kept.append(kind)
    constraints = parsed.constraints()
    for kind in RELAX_ORDER:
        if kind in masks and kind not in kept:
            parsed.drop(kind, constraints[kind], "no_match")
    return np.flatnonzero(matching(kept))
