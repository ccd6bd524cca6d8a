"""Skin tone measured from landmark-defined skin patches: CIELAB, ITA, Monk tone, undertone, confidence.

Steps: sample the cheek, forehead and nose-bridge patches (``regions``); white-balance the samples
(``white_balance``); drop pixels that are not skin (specular highlights, deep shadows, hair and beard,
make-up or background that slipped in) with robust per-face statistics; drop whole patches that disagree
with the cheeks (a fringe over the forehead); average the rest in linear light; convert to CIELAB.
"""

from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from beautyrec.core import colour
from recognition.ml.attributes import regions
from recognition.ml.attributes.white_balance import WhiteBalance

# Pixel filters, relative to the face's own median, in CIELAB units.
SHADOW_BELOW_MEDIAN_L: Final = 12.0  # deep shadow, dark hair, beard stubble
HIGHLIGHT_ABOVE_MEDIAN_L: Final = 12.0  # specular shine
MAX_HUE_DEVIATION: Final = 25.0  # degrees from the median hue: lipstick, blush edges, background
MIN_CHROMA_FRACTION: Final = 0.4  # of the median chroma: grey hair, glasses frames, shine
MAX_REGION_DELTA_E: Final = 10.0  # a patch whose median is this far (CIEDE2000) from the cheeks' is dropped
# Confidence anchors.
GOOD_EYE_DISTANCE_PX: Final = 30.0  # eye-centre distance at which size stops costing confidence
MIN_EYE_DISTANCE_PX: Final = 10.0
GOOD_SKIN_PIXELS: Final = 400
MIN_SKIN_PIXELS: Final = 40
SHARP_GRADIENT: Final = 6.0  # mean abs Laplacian (8-bit) over the face of a sharp face at 30 px eyes


@dataclass(frozen=True)
class SkinMeasurement:
    lab: np.ndarray
    pixels: int
    regions_used: tuple[str, ...]
    confidence: float
    quality: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        lab = self.lab
        angle = float(colour.ita(lab))
        monk, monk_distance = colour.nearest_monk(lab)
        return {
            "lab": [round(float(v), 2) for v in lab],
            "ita": round(angle, 2),
            "ita_category": colour.ita_category(angle),
            "monk": monk,
            "monk_delta_e": round(monk_distance, 2),
            "hex": colour.lab_to_hex(lab),
            "pixels": self.pixels,
            "regions": list(self.regions_used),
            "confidence": round(self.confidence, 3),
            "quality": {k: round(v, 3) for k, v in self.quality.items()},
        }


def _ramp(value: float, low: float, high: float) -> float:
    """0 at ``low``, 1 at ``high``, linear between (either order)."""
    if high == low:
        return float(value >= high)
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def _hue_deviation(hues: np.ndarray, centre: float) -> np.ndarray:
    return np.abs((hues - centre + 180.0) % 360.0 - 180.0)


def keep_skin(lab: np.ndarray) -> np.ndarray:
    """Boolean mask of the pixels that look like this face's skin, judged against the face's own medians."""
    median = np.median(lab, axis=0)
    hues = colour.hue_angle(lab)
    hue_centre = float(colour.hue_angle(median))
    chroma = colour.chroma(lab)
    keep = (lab[:, 0] > median[0] - SHADOW_BELOW_MEDIAN_L) & (lab[:, 0] < median[0] + HIGHLIGHT_ABOVE_MEDIAN_L)
    keep &= chroma >= MIN_CHROMA_FRACTION * float(colour.chroma(median))
    keep &= _hue_deviation(hues, hue_centre) <= MAX_HUE_DEVIATION
    return keep


def sharpness(gray_window: np.ndarray) -> float:
    """Mean absolute 4-neighbour Laplacian: falls when a face is blurred (or tiny and upscaled)."""
    g = np.asarray(gray_window, dtype=np.float64)
    if min(g.shape) < 3:
        return 0.0
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(np.mean(np.abs(lap)))


def measure(image: np.ndarray, landmarks: np.ndarray, balance: WhiteBalance) -> SkinMeasurement | None:
    """Skin colour of the face with these landmarks (68 or 5 points); None when no skin pixel survives."""
    masks = regions.skin_masks(landmarks, image.shape[:2])
    samples = {name: m.pixels(image) for name, m in masks.items() if m.count}
    if not samples:
        return None
    names = list(samples)
    raw = np.vstack([samples[n] for n in names]).astype(np.float64)
    owner = np.concatenate([np.full(len(samples[n]), i) for i, n in enumerate(names)])
    clipped = float(np.mean(raw.max(axis=1) >= 250))
    raw_lab_median = np.median(colour.srgb_to_lab(raw), axis=0)
    linear = balance.apply_linear(colour.srgb_to_linear(raw / 255.0))
    lab = colour.srgb_to_lab(colour.linear_to_srgb(linear) * 255.0)
    keep = keep_skin(lab)
    if keep.sum() < MIN_SKIN_PIXELS // 2:
        return None

    # Patches that disagree with the cheeks (fringe on the forehead, a shiny nose) are dropped whole.
    medians = {n: np.median(lab[keep & (owner == i)], axis=0) for i, n in enumerate(names)
               if (keep & (owner == i)).sum() >= 10}
    cheeks = [medians[n] for n in ("right_cheek", "left_cheek") if n in medians]
    reference = np.median(np.array(cheeks), axis=0) if cheeks else np.median(lab[keep], axis=0)
    used = [n for n, m in medians.items() if float(colour.ciede2000(m, reference)) <= MAX_REGION_DELTA_E]
    if not used:
        return None
    chosen = keep & np.isin(owner, [names.index(n) for n in used])
    mean_linear = linear[chosen].mean(axis=0)
    skin_lab = colour.srgb_to_lab(colour.linear_to_srgb(mean_linear) * 255.0)

    # Confidence: the product of independent penalties, each 1 when that condition is good.
    _, _, eye_distance = regions.face_axes(landmarks if len(landmarks) == 5 else landmarks[[45, 42, 36, 39, 33]])
    n_pixels = int(chosen.sum())
    cheek_gap = (float(colour.ciede2000(medians["right_cheek"], medians["left_cheek"]))
                 if {"right_cheek", "left_cheek"} <= medians.keys() else 8.0)
    window = regions.face_window(landmarks, image.shape[:2], grow=0.0)
    face_pixels = image[window[0]:window[2], window[1]:window[3]].astype(np.float64)
    gray = face_pixels @ np.array([0.299, 0.587, 0.114])
    # Exposure is judged on the face's brightest parts (eye whites, shine, light skin), not on the skin's own
    # lightness, so that dark skin in good light is not mistaken for a dark photo.
    bright_l = float(np.percentile(colour.srgb_to_lab(face_pixels.reshape(-1, 3)[::4])[:, 0], 98))
    sharp = sharpness(gray) * max(eye_distance, 1.0) / GOOD_EYE_DISTANCE_PX
    quality = {
        "size": _ramp(eye_distance, MIN_EYE_DISTANCE_PX, GOOD_EYE_DISTANCE_PX),
        "skin_pixels": _ramp(n_pixels, MIN_SKIN_PIXELS, GOOD_SKIN_PIXELS),
        # Exposure: a dark photo has no bright parts; a blown-out one has washed-out skin.
        "exposure": min(_ramp(bright_l, 25.0, 55.0), _ramp(float(raw_lab_median[0]), 96.0, 88.0)),
        "clipping": _ramp(clipped, 0.3, 0.05),
        # Uneven light: the two cheeks should match; a big gap means side light or a shadowed half.
        "even_light": _ramp(cheek_gap, 12.0, 4.0),
        "sharpness": _ramp(sharp, 0.25 * SHARP_GRADIENT, SHARP_GRADIENT),
        # A strong cast is corrected, but its estimate is only as good as the grey-scene assumption.
        "colour_cast": _ramp(balance.cast_strength, 1.2, 0.3),
        "regions": len(used) / len(masks),
    }
    confidence = float(np.prod([max(v, 0.0) for k, v in quality.items() if k != "regions"]))
    confidence *= 0.6 + 0.4 * quality["regions"]
    if len(landmarks) == 5:
        confidence *= 0.85  # smaller patches placed by eye geometry alone
    return SkinMeasurement(lab=skin_lab, pixels=n_pixels, regions_used=tuple(used), confidence=confidence,
                           quality=quality)
