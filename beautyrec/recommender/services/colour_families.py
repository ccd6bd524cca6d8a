"""Named colour families as regions of CIELAB, so that "a red lipstick" or "a deep foundation" can be matched.

Two kinds of family, one per shade:

- Lip and cheek colours get a hue family from their CIELAB hue angle h_ab, chroma C* and lightness L*. The
  regions were drawn over the 287 real lipstick shades of ``../shared/data/catalog/lipsticks.json`` and checked
  against the colour words in their (Chinese) shade names: reds (红) sit at h 22-40 with C* >= 40, corals
  (珊瑚) and oranges (橘/橙) above them in hue, pinks and fuchsias (粉/玫红) below h 22, berries and
  burgundies (莓/勃艮第) are the dark pinks and reds, nudes (裸) the light low-chroma shades.
- Skin-matched products (foundation, concealer, powder) get a depth family from L* alone. The thresholds are the
  midpoints between the median L* of the 6,816 real foundation shades whose retailer descriptions say "fair"
  (82.9), "light" (78.7), "medium" (71.6), "tan" (65.6) and "deep" (49.4).
"""

from typing import Final

import numpy as np

from beautyrec.core import colour

# (name, hue range in degrees [from, to) - wrapping past 360 when from > to -, C* range, L* range), first match wins.
HUE_FAMILIES: Final = (
    ("nude", (0.0, 70.0), (0.0, 40.0), (50.0, 101.0)),
    ("brown", (20.0, 70.0), (0.0, 50.0), (0.0, 50.0)),
    ("mauve", (330.0, 20.0), (0.0, 40.0), (0.0, 101.0)),
    ("plum", (260.0, 345.0), (10.0, 200.0), (0.0, 101.0)),
    ("berry", (345.0, 22.0), (40.0, 200.0), (0.0, 45.0)),
    ("fuchsia", (345.0, 12.0), (55.0, 200.0), (45.0, 101.0)),
    ("pink", (345.0, 22.0), (0.0, 200.0), (45.0, 101.0)),
    ("orange", (40.0, 90.0), (40.0, 200.0), (0.0, 101.0)),
    ("coral", (25.0, 40.0), (0.0, 75.0), (56.0, 101.0)),
    ("red", (18.0, 40.0), (40.0, 200.0), (0.0, 101.0)),
)
# Lower L* bound of each depth family, lightest first.
DEPTH_FAMILIES: Final = (("fair", 80.8), ("light", 75.2), ("medium", 68.6), ("tan", 57.5), ("deep", -1.0))
FAMILIES: Final = tuple(f[0] for f in HUE_FAMILIES) + tuple(f[0] for f in DEPTH_FAMILIES)


def hue_families(lab: np.ndarray) -> np.ndarray:
    """The hue family of each lip/cheek colour (n, 3) -> (n,) names, '' outside every region (greys, blues)."""
    lab = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
    hue, chroma, lightness = colour.hue_angle(lab), colour.chroma(lab), lab[:, 0]
    names = np.full(len(lab), "", dtype=object)
    for name, (h0, h1), (c0, c1), (l0, l1) in HUE_FAMILIES:
        in_hue = (hue >= h0) & (hue < h1) if h0 < h1 else (hue >= h0) | (hue < h1)
        inside = (names == "") & in_hue & (chroma >= c0) & (chroma < c1) & (lightness >= l0) & (lightness < l1)
        names[inside] = name
    return names


def depth_families(lab: np.ndarray) -> np.ndarray:
    """The depth family (fair ... deep) of each skin-matched shade from its L*."""
    lightness = np.asarray(lab, dtype=np.float64).reshape(-1, 3)[:, 0]
    names = np.full(len(lightness), "", dtype=object)
    for name, lower in reversed(DEPTH_FAMILIES):
        names[lightness >= lower] = name
    return names


def shade_families(lab: np.ndarray, *, is_base: np.ndarray, is_colour: np.ndarray) -> np.ndarray:
    """One family per catalogue row: depth for skin-matched shades, hue for lip/cheek colours, '' otherwise."""
    lab = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
    names = np.full(len(lab), "", dtype=object)
    if is_base.any():
        names[is_base] = depth_families(lab[is_base])
    if is_colour.any():
        names[is_colour] = hue_families(lab[is_colour])
    return names
