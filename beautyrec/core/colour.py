"""The one colour-science module: sRGB <-> CIELAB (D65), CIEDE2000, ITA, Monk Skin Tone scale and undertone.

Everything is vectorised over leading axes with NumPy. CIEDE2000 follows Sharma, Wu and Dalal (2005) and is
tested against their published test pairs.
"""

import re
from typing import Final

import numpy as np

from beautyrec.core.errors import InvalidInput

# D65 reference white (2 degree observer), the white of sRGB.
D65_WHITE: Final = np.array([0.95047, 1.0, 1.08883])
SRGB_TO_XYZ: Final = np.array([
    [0.4124564, 0.3575761, 0.1804375],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339, 0.1191920, 0.9503041],
])
XYZ_TO_SRGB: Final = np.linalg.inv(SRGB_TO_XYZ)
LAB_EPS: Final = 216 / 24389
LAB_KAPPA: Final = 24389 / 27

_HEX_RE: Final = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")

# Monk Skin Tone scale (Ellis Monk, Google 2022), the ten public swatch colours, lightest (1) to darkest (10).
MONK_SWATCHES: Final = (
    "#f6ede4", "#f3e7db", "#f7ead0", "#eadaba", "#d7bd96",
    "#a07e56", "#825c43", "#604134", "#3a312a", "#292420",
)

# ITA (individual typology angle) categories of Chardon et al. (1991), lower bound in degrees.
ITA_CATEGORIES: Final = (
    (55.0, "very_light"),
    (41.0, "light"),
    (28.0, "intermediate"),
    (10.0, "tan"),
    (-30.0, "brown"),
    (-np.inf, "dark"),
)


def parse_hex(value: str) -> np.ndarray:
    """'#A06F4A' / 'a06f4a' / '#abc' -> uint8 RGB triple; anything else is a 400 ``invalid_hex``."""
    match = _HEX_RE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise InvalidInput(f"{value!r} is not an sRGB hex colour like #a06f4a.", code="invalid_hex")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return np.array([int(digits[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.uint8)


def to_hex(rgb: np.ndarray) -> str:
    r, g, b = (int(v) for v in np.clip(np.rint(np.asarray(rgb, dtype=np.float64)), 0, 255))
    return f"#{r:02x}{g:02x}{b:02x}"


def srgb_to_linear(rgb01: np.ndarray) -> np.ndarray:
    rgb01 = np.asarray(rgb01, dtype=np.float64)
    return np.where(rgb01 <= 0.04045, rgb01 / 12.92, ((rgb01 + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(np.asarray(lin, dtype=np.float64), 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """8-bit sRGB (..., 3) -> CIELAB (..., 3), D65."""
    xyz = srgb_to_linear(np.asarray(rgb, dtype=np.float64) / 255.0) @ SRGB_TO_XYZ.T
    f = _lab_f(xyz / D65_WHITE)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB (..., 3) -> sRGB (..., 3) as floats in 0-255 (clipped to the gamut; round for 8-bit)."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = fy - lab[..., 2] / 200
    xyz = np.stack([_lab_f_inv(fx), _lab_f_inv(fy), _lab_f_inv(fz)], -1) * D65_WHITE
    return linear_to_srgb(xyz @ XYZ_TO_SRGB.T) * 255.0


def hex_to_lab(value: str) -> np.ndarray:
    return srgb_to_lab(parse_hex(value))


def lab_to_hex(lab: np.ndarray) -> str:
    return to_hex(lab_to_srgb(lab))


def _lab_f(t: np.ndarray) -> np.ndarray:
    return np.where(t > LAB_EPS, np.cbrt(t), (LAB_KAPPA * t + 16) / 116)


def _lab_f_inv(f: np.ndarray) -> np.ndarray:
    f3 = f ** 3
    return np.where(f3 > LAB_EPS, f3, (116 * f - 16) / LAB_KAPPA)


def chroma(lab: np.ndarray) -> np.ndarray:
    lab = np.asarray(lab, dtype=np.float64)
    return np.hypot(lab[..., 1], lab[..., 2])


def hue_angle(lab: np.ndarray) -> np.ndarray:
    """CIELAB hue angle h_ab in degrees, 0-360."""
    lab = np.asarray(lab, dtype=np.float64)
    return np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0


def ciede2000(lab1: np.ndarray, lab2: np.ndarray, kl: float = 1.0, kc: float = 1.0,
              kh: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference between broadcastable CIELAB arrays (Sharma et al. 2005)."""
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    c_bar7 = c_bar ** 7
    g = 0.5 * (1 - np.sqrt(c_bar7 / (c_bar7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where(c1p == 0, 0.0, np.degrees(np.arctan2(b1, a1p)) % 360)
    h2p = np.where(c2p == 0, 0.0, np.degrees(np.arctan2(b2, a2p)) % 360)

    dlp = l2 - l1
    dcp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)

    lp_bar = (l1 + l2) / 2
    cp_bar = (c1p + c2p) / 2
    hsum = h1p + h2p
    hp_bar = np.where(
        c1p * c2p == 0, hsum,
        np.where(np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)),
    )
    t = (1 - 0.17 * np.cos(np.radians(hp_bar - 30)) + 0.24 * np.cos(np.radians(2 * hp_bar))
         + 0.32 * np.cos(np.radians(3 * hp_bar + 6)) - 0.20 * np.cos(np.radians(4 * hp_bar - 63)))
    d_theta = 30 * np.exp(-(((hp_bar - 275) / 25) ** 2))
    cp_bar7 = cp_bar ** 7
    rc = 2 * np.sqrt(cp_bar7 / (cp_bar7 + 25.0 ** 7))
    sl = 1 + 0.015 * (lp_bar - 50) ** 2 / np.sqrt(20 + (lp_bar - 50) ** 2)
    sc = 1 + 0.045 * cp_bar
    sh = 1 + 0.015 * cp_bar * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    tl, tc, th = dlp / (kl * sl), dcp / (kc * sc), dhp / (kh * sh)
    return np.sqrt(tl ** 2 + tc ** 2 + th ** 2 + rt * tc * th)


def ita(lab: np.ndarray) -> np.ndarray:
    """Individual typology angle in degrees: atan((L* - 50) / b*) (Chardon et al. 1991)."""
    lab = np.asarray(lab, dtype=np.float64)
    return np.degrees(np.arctan2(lab[..., 0] - 50.0, lab[..., 2]))


def ita_category(angle: float) -> str:
    for lower, name in ITA_CATEGORIES:
        if angle > lower:
            return name
    return ITA_CATEGORIES[-1][1]


MONK_LAB: Final = srgb_to_lab(np.array([parse_hex(h) for h in MONK_SWATCHES]))


def nearest_monk(lab: np.ndarray) -> tuple[int, float]:
    """Closest Monk Skin Tone swatch (1-10) by CIEDE2000, with that distance."""
    distances = ciede2000(np.asarray(lab, dtype=np.float64)[None, :], MONK_LAB)
    index = int(np.argmin(distances))
    return index + 1, float(distances[index])


# Undertone (warm / neutral / cool) of a skin or foundation colour, from its CIELAB hue angle h_ab = atan2(b*, a*).
# b*/a* = tan(h_ab), so a threshold on the hue angle is a threshold on the b*/a* balance: yellower (more b* per a*)
# is warm, pinker (more a* per b*) is cool. Skin hue rises with lightness (light skin is yellower than dark skin at
# the same undertone), so the hue is compared with the hue of a neutral shade of the same L*:
#     offset = h_ab - (UNDERTONE_HUE_AT_L0 + UNDERTONE_HUE_PER_L * L*)
# The line is the least-squares fit of hue on L* over the 2,221 foundation shades that retailers describe as
# neutral (The Pudding's 6,816 shades, ../shared/data/catalog/foundation_shades.csv); the band
# [UNDERTONE_COOL_BELOW, UNDERTONE_WARM_ABOVE] around it holds the neutral shades' median (-0.1 degrees) and sits
# between the cool (-3.0) and warm (+2.5) medians. At L* = 65 the neutral band is h_ab 56.75-62.75 degrees, i.e.
# b*/a* 1.52-1.94. Retailers' undertone words are relative to each brand's own line, so agreement with them is
# limited (balanced accuracy 0.44 over the three classes; no colour-only rule tried did better than 0.46).
UNDERTONE_HUE_AT_L0: Final = 38.0
UNDERTONE_HUE_PER_L: Final = 0.35
UNDERTONE_COOL_BELOW: Final = -4.0
UNDERTONE_WARM_ABOVE: Final = 2.0
# Below this chroma the hue is noise (greys, washed-out or badly exposed samples): neutral.
UNDERTONE_MIN_CHROMA: Final = 4.0


def undertone_hue_offset(lab: np.ndarray) -> np.ndarray:
    """Degrees by which the hue is yellower (> 0) or pinker (< 0) than a neutral shade of the same L*.

    The hue is taken in (-180, 180] so that pink-purple hues just below 360 count as very pink, not very yellow.
    """
    lab = np.asarray(lab, dtype=np.float64)
    signed_hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
    return signed_hue - (UNDERTONE_HUE_AT_L0 + UNDERTONE_HUE_PER_L * lab[..., 0])


def undertone_from_lab(lab: np.ndarray) -> str:
    """'warm', 'neutral' or 'cool' for one CIELAB colour (see the thresholds above)."""
    lab = np.asarray(lab, dtype=np.float64).reshape(3)
    if chroma(lab) < UNDERTONE_MIN_CHROMA:
        return "neutral"
    offset = float(undertone_hue_offset(lab))
    if offset < UNDERTONE_COOL_BELOW:
        return "cool"
    if offset > UNDERTONE_WARM_ABOVE:
        return "warm"
    return "neutral"
