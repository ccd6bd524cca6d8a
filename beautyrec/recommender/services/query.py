"""A shopper's words -> structured constraints plus free text ("a long-wear matte red for my warm skin, under $30").

The parser is a small, explicit vocabulary (no model): category, colour family, finish, undertone, coverage,
price bounds and brand (matched against the catalogue's own brands). Words it does not know are free text for
the relevance ranking (``services/search.py``). A second value for a single-valued constraint ("matte gloss",
"under $5 over $50") contradicts the first: the first one said is kept and the other is reported as dropped.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from beautyrec.core.errors import InvalidInput
from beautyrec.recommender.models import Category

MAX_QUERY_LENGTH: Final = 200
# "cheap" and "luxury" as price bounds (USD), the usual drugstore / prestige split of the catalogue's prices.
CHEAP_MAX: Final = 15.0
LUXURY_MIN: Final = 40.0

LIP_CATEGORIES: Final = (Category.LIPSTICK.value, Category.LIP_GLOSS.value, Category.LIP_LINER.value)
# Phrases first (longest match wins), each -> (kind, value). Multi-word keys are matched on whole words.
VOCABULARY: Final[dict[str, tuple[str, Any]]] = {
    # categories
    **{w: ("category", (Category.FOUNDATION.value,)) for w in ("foundation", "foundations")},
    **{w: ("category", (Category.CONCEALER.value,)) for w in ("concealer", "concealers")},
    **{w: ("category", (Category.POWDER.value,)) for w in ("setting powder", "face powder", "powder", "powders")},
    **{w: ("category", (Category.LIPSTICK.value,)) for w in ("lipstick", "lipsticks", "lip stick", "lippie")},
    **{w: ("category", (Category.LIP_GLOSS.value,)) for w in ("lip gloss", "lipgloss", "lip glosses",
                                                              "lip oil", "lip lacquer")},
    **{w: ("category", (Category.LIP_LINER.value,)) for w in ("lip liner", "lipliner", "lip pencil")},
    **{w: ("category", LIP_CATEGORIES) for w in ("lip", "lips", "lip colour", "lip color")},
    **{w: ("category", (Category.BLUSH.value,)) for w in ("blush", "blusher", "cheek colour", "cheek color")},
    "bronzer": ("category", (Category.BRONZER.value,)),
    **{w: ("category", (Category.HIGHLIGHTER.value,)) for w in ("highlighter", "highlighters")},
    **{w: ("category", (Category.EYESHADOW.value,)) for w in ("eyeshadow", "eye shadow", "eyeshadows",
                                                              "eye shadows")},
    **{w: ("category", (Category.EYELINER.value,)) for w in ("eyeliner", "eye liner", "eyeliners")},
    "mascara": ("category", (Category.MASCARA.value,)),
    **{w: ("category", (Category.BROW.value,)) for w in ("brow", "brows", "eyebrow", "brow pencil")},
    # colour families (lip and cheek hues)
    **{w: ("colour", "red") for w in ("red", "reds", "scarlet", "crimson", "cherry", "ruby", "true red",
                                      "classic red")},
    **{w: ("colour", "pink") for w in ("pink", "pinks", "rose", "rosy", "baby pink", "bubblegum")},
    **{w: ("colour", "fuchsia") for w in ("fuchsia", "magenta", "hot pink", "raspberry")},
    **{w: ("colour", "coral") for w in ("coral", "corals", "peach", "peachy", "salmon")},
    **{w: ("colour", "orange") for w in ("orange", "tangerine", "orangey")},
    **{w: ("colour", "nude") for w in ("nude", "nudes", "beige", "taupe")},
    **{w: ("colour", "brown") for w in ("brown", "chocolate", "mocha", "coffee", "caramel", "brick",
                                        "terracotta", "cinnamon")},
    **{w: ("colour", "berry") for w in ("berry", "berries", "wine", "burgundy", "oxblood", "cranberry",
                                        "maroon", "bordeaux")},
    **{w: ("colour", "plum") for w in ("plum", "purple", "violet", "grape", "aubergine")},
    **{w: ("colour", "mauve") for w in ("mauve", "dusty rose", "rosewood")},
    # depth families (skin-matched shades)
    **{w: ("colour", "fair") for w in ("fair", "porcelain", "ivory", "very fair", "pale")},
    **{w: ("colour", "light") for w in ("light", "light skin")},
    **{w: ("colour", "medium") for w in ("medium", "medium skin")},
    **{w: ("colour", "tan") for w in ("tan", "tanned", "medium tan")},
    **{w: ("colour", "deep") for w in ("deep", "dark", "rich", "deep skin", "dark skin", "ebony", "very deep")},
    # finishes
    **{w: ("finish", "matte") for w in ("matte", "matt", "mattifying", "soft matte", "velvet", "velvety")},
    "satin": ("finish", "satin"),
    **{w: ("finish", "gloss") for w in ("gloss", "glossy", "shine", "shiny", "lacquer", "vinyl", "wet look")},
    **{w: ("finish", "shimmer") for w in ("shimmer", "shimmery", "sparkle", "sparkly", "glitter", "glittery")},
    **{w: ("finish", "metallic") for w in ("metallic", "chrome", "foil")},
    **{w: ("finish", "dewy") for w in ("dewy", "glow", "glowy", "glowing", "luminous", "radiant")},
    "natural finish": ("finish", "natural"),
    "sheer finish": ("finish", "sheer"),
    # undertones
    **{f"{w}{suffix}": ("undertone", tone) for tone, words in (("warm", ("warm",)), ("cool", ("cool",)),
                                                                ("neutral", ("neutral",)), ("olive", ("olive",)))
       for w in words for suffix in ("", " undertone", " undertones", " toned", " tone", " skin")},
    # coverage
    **{w: ("coverage", "full") for w in ("full coverage", "full cover", "high coverage", "maximum coverage",
                                         "max coverage")},
    **{w: ("coverage", "medium") for w in ("medium coverage", "buildable coverage")},
    **{w: ("coverage", "light") for w in ("light coverage", "light cover")},
    **{w: ("coverage", "sheer") for w in ("sheer", "sheer coverage")},
    # price words
    **{w: ("price", (None, CHEAP_MAX)) for w in ("cheap", "affordable", "budget", "inexpensive", "drugstore")},
    **{w: ("price", (LUXURY_MIN, None)) for w in ("luxury", "expensive", "high end", "prestige", "splurge")},
}
STOPWORDS: Final = frozenset((
    "a", "an", "the", "for", "my", "me", "i", "im", "to", "of", "in", "on", "with", "and", "or", "some", "something",
    "that", "which", "want", "need", "looking", "look", "find", "show", "give", "please", "is", "are", "be", "it",
    "its", "one", "any", "best", "good", "nice", "new", "like", "love", "would", "should", "can", "shade", "shades",
    "colour", "color", "colours", "colors", "makeup", "make", "up", "product", "products", "skin", "tone", "under",
    "over", "below", "above", "than", "between", "less", "more", "around", "about", "really", "very", "super", "so",
    "just", "this",
))
AMOUNT: Final = r"\$?\s?(\d{1,5}(?:\.\d{1,2})?)\s?(?:\$|usd|dollars?|bucks)?"
PRICE_PATTERNS: Final = (
    (re.compile(rf"\bbetween\s{AMOUNT}\s(?:and|to|-)\s{AMOUNT}"), "between"),
    (re.compile(rf"(?<![\w.]){AMOUNT}\s?(?:-|to)\s?{AMOUNT}(?=\s|$)"), "between"),
    (re.compile(rf"\b(?:under|below|less than|cheaper than|up to|max|at most|no more than)\s{AMOUNT}"), "max"),
    (re.compile(rf"\b(?:over|above|more than|at least|min|from)\s{AMOUNT}"), "min"),
)
SINGLE_VALUED: Final = ("finish", "undertone", "coverage")


def normalise(text: str) -> str:
    """Lower case without accents; apostrophes vanish (L'Oréal -> loreal), other punctuation is a space."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"['\u2019`]|(?<!\d)\.|\.(?!\d)", "", folded)
    return re.sub(r"[^a-z0-9$.\-]+", " ", folded).strip()


@dataclass
class ParsedQuery:
    """What a query asks for. ``words`` maps each understood phrase to the constraint it set."""

    text: str
    categories: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    finish: str | None = None
    undertone: str | None = None
    coverage: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    brands: tuple[str, ...] = ()
    free_text: list[str] = field(default_factory=list)
    words: dict[str, str] = field(default_factory=dict)
    dropped: list[dict[str, Any]] = field(default_factory=list)

    def constraints(self) -> dict[str, Any]:
        return {"category": list(self.categories), "colour_family": list(self.families), "finish": self.finish,
                "undertone": self.undertone, "coverage": self.coverage,
                "price": {"min": self.price_min, "max": self.price_max}, "brand": list(self.brands)}

    def phrases_for(self, kind: str) -> list[str]:
        return [phrase for phrase, what in self.words.items() if what == kind]

    def drop(self, kind: str, value: Any, reason: str, **details: Any) -> None:
        """Forget constraint ``kind`` (after the catalogue had nothing for it) and say so."""
        self.dropped.append({"constraint": kind, "value": value, "words": self.phrases_for(kind),
                             "reason": reason, **details})
        for phrase in self.phrases_for(kind):
            del self.words[phrase]
        reset = {"category": ("categories", ()), "colour_family": ("families", ()), "brand": ("brands", ())}
        name, empty = reset.get(kind, (kind, None))
        if kind == "price":
            self.price_min = self.price_max = None
        else:
            setattr(self, name, empty)


def check_length(q: str) -> None:
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"The query is longer than {MAX_QUERY_LENGTH} characters.", code="query_too_long",
                           details={"length": len(q), "max_length": MAX_QUERY_LENGTH})


def brand_aliases(brands: Iterable[str]) -> dict[str, str]:
    """Normalised ways of saying each catalogue brand -> the brand: its full name, the name without generic
    words ("FENTY BEAUTY by Rihanna" -> "fenty"), and the initials of names of three words or more ("ysl")."""
    generic = {"beauty", "cosmetics", "makeup", "professional", "collection", "labs", "milano", "skincare", "by"}
    aliases: dict[str, str] = {}
    taken: dict[str, int] = {}
    candidates: list[tuple[str, str]] = []
    for brand in brands:
        full = normalise(brand)
        words = full.split()
        if not words:
            continue
        candidates.append((full, brand))
        core = [w for w in words[: words.index("by")] if w not in generic] if "by" in words else \
            [w for w in words if w not in generic]
        if core and core != words:
            candidates.append((" ".join(core), brand))
        if len(words) >= 3:
            candidates.append(("".join(w[0] for w in words), brand))
    for alias, _ in candidates:
        taken[alias] = taken.get(alias, 0) + 1
    for alias, brand in candidates:
        unsafe = alias in STOPWORDS or alias in VOCABULARY or len(alias) < 3 or alias.isdigit()
        if not unsafe and (taken[alias] == 1 or normalise(brand) == alias):
            aliases[alias] = brand
    return aliases


def parse_query(q: str, *, brands: Iterable[str] = (), aliases: dict[str, str] | None = None) -> ParsedQuery:
    """Parse ``q`` (at most MAX_QUERY_LENGTH characters) against the vocabulary and the catalogue's brands
    (``aliases`` as made by ``brand_aliases``, cached by the caller, or else made from ``brands``)."""
    check_length(q)
    parsed = ParsedQuery(text=q)
    text = normalise(q)
    text = _take_prices(parsed, text)
    if aliases is None:
        aliases = brand_aliases(brands)
    phrases = {**VOCABULARY, **{alias: ("brand", brand) for alias, brand in aliases.items()}}
    tokens = _split_hyphens(text.replace("$", " ").split(), phrases)
    longest = max((len(p.split()) for p in phrases), default=1)
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + size])
            if phrase in phrases:
                _apply(parsed, phrase, *phrases[phrase])
                i += size
                break
        else:
            token = tokens[i].strip(".")
            if token and token not in STOPWORDS and not token.replace(".", "").isdigit():
                parsed.free_text.append(token)
            i += 1
    return parsed


def _split_hyphens(tokens: list[str], phrases: dict[str, Any]) -> list[str]:
    """"full-coverage" and "warm-toned" are vocabulary phrases; "long-wear" stays one free-text word."""
    out: list[str] = []
    for token in tokens:
        parts = [p for p in token.split("-") if p]
        if len(parts) > 1 and (" ".join(parts) in phrases or any(p in phrases for p in parts)):
            out.extend(parts)
        elif parts:
            out.append("-".join(parts))
    return out


def _apply(parsed: ParsedQuery, phrase: str, kind: str, value: Any) -> None:
    if kind == "category":
        parsed.categories = tuple(dict.fromkeys(parsed.categories + tuple(value)))
    elif kind == "colour":
        parsed.families = tuple(dict.fromkeys((*parsed.families, value)))
        kind = "colour_family"
    elif kind == "brand":
        parsed.brands = tuple(dict.fromkeys((*parsed.brands, value)))
    elif kind == "price":
        _set_price(parsed, phrase, *value)
        return
    elif kind in SINGLE_VALUED:
        current = getattr(parsed, kind)
        if current is not None and current != value:
            parsed.dropped.append({"constraint": kind, "value": value, "words": [phrase],
                                   "reason": "contradiction", "kept": current})
            return
        setattr(parsed, kind, value)
    parsed.words[phrase] = kind


def _set_price(parsed: ParsedQuery, phrase: str, low: float | None, high: float | None) -> None:
    """Tighten the price bounds unless the new ones leave no price at all (then they are dropped)."""
    new_low = max(v for v in (parsed.price_min, low) if v is not None) if low is not None else parsed.price_min
    new_high = min(v for v in (parsed.price_max, high) if v is not None) if high is not None else parsed.price_max
    if new_low is not None and new_high is not None and new_low > new_high:
        parsed.dropped.append({"constraint": "price", "value": {"min": low, "max": high}, "words": [phrase],
                               "reason": "contradiction", "kept": {"min": parsed.price_min,
                                                                   "max": parsed.price_max}})
        return
    parsed.price_min, parsed.price_max = new_low, new_high
    parsed.words[phrase] = "price"


def _take_prices(parsed: ParsedQuery, text: str) -> str:
    """Read the price phrases in the order they are written and blank them out of the text."""
    found: list[tuple[int, int, str, float | None, float | None]] = []
    for pattern, kind in PRICE_PATTERNS:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, *_ in found):
                continue
            amounts = [float(a) for a in match.groups()]
            if kind == "between":
                low, high = min(amounts), max(amounts)
            elif kind == "max":
                low, high = None, amounts[0]
            else:
                low, high = amounts[0], None
            found.append((match.start(), match.end(), match.group(0).strip(), low, high))
    for _start, _end, phrase, low, high in sorted(found):
        _set_price(parsed, phrase, low, high)
    for start, end, *_ in sorted(found, reverse=True):
        text = text[:start] + " " + text[end:]
    return text

