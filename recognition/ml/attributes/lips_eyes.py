"""Natural lip colour and eye colour class, measured on white-balanced pixels inside the landmark contours."""

from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from beautyrec.core import colour
from recognition.ml.attributes import regions
from recognition.ml.attributes.white_balance import WhiteBalance

MIN_LIP_PIXELS: Final = 30
MIN_IRIS_PIXELS: Final = 12
EYE_CLASSES: Final = ("dark_brown", "brown", "hazel", "green", "blue", "grey")
# Iris classes from the iris's CIELAB colour (after white balance). Photos of real irises are small and
# dark, so the boundaries are broad: blue/grey irises have b* below zero or near it, green ones a* below
# zero with yellow b*, hazel is yellow-brown (hue 60-90 degrees, fairly light), brown is red-yellow, and
# dark brown is the darkest irises, whose colour hardly shows.
DARK_IRIS_L: Final = 28.0
GREY_MAX_CHROMA: Final = 5.0


@dataclass(frozen=True)
class ColourSample:
    lab: np.ndarray
    pixels: int
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"lab": [round(float(v), 2) for v in self.lab], "hex": colour.lab_to_hex(self.lab),
                "pixels": self.pixels, "confidence": round(self.confidence, 3)}


def _balanced_lab(pixels: np.ndarray, balance: WhiteBalance) -> tuple[np.ndarray, np.ndarray]:
    linear = balance.apply_linear(colour.srgb_to_linear(pixels.astype(np.float64) / 255.0))
    return linear, colour.srgb_to_lab(colour.linear_to_srgb(linear) * 255.0)


def lip_colour(image: np.ndarray, lm68: np.ndarray, balance: WhiteBalance) -> ColourSample | None:
    """Mean lip colour in linear light, without shine (top lightness) and shadow/teeth outliers."""
    mask = regions.lip_mask(lm68, image.shape[:2])
    if mask.count < MIN_LIP_PIXELS // 2:
        return None
    linear, lab = _balanced_lab(mask.pixels(image), balance)
    median = np.median(lab, axis=0)
    keep = (np.abs(lab[:, 0] - median[0]) < 15.0) & (colour.chroma(lab) >= 0.5 * float(colour.chroma(median)))
    if keep.sum() < MIN_LIP_PIXELS // 2:
        return None
    mean = colour.srgb_to_lab(colour.linear_to_srgb(linear[keep].mean(axis=0)) * 255.0)
    confidence = float(np.clip(keep.sum() / 300.0, 0.0, 1.0))
    return ColourSample(lab=mean, pixels=int(keep.sum()), confidence=confidence)


def iris_pixels(image: np.ndarray, landmarks: np.ndarray, balance: WhiteBalance) -> np.ndarray:
    """CIELAB of the iris pixels of both eyes: inside the lids, without the white, the pupil and lashes, shine."""
    samples = []
    for mask in regions.eye_masks(landmarks, image.shape[:2]):
        if not mask.count:
            continue
        _, lab = _balanced_lab(mask.pixels(image), balance)
        if len(lab) < 4:
            continue
        lightness = lab[:, 0]
        # The sclera is the bright third; the pupil and lashes the darkest tenth.
        low, high = np.percentile(lightness, [10, 60])
        samples.append(lab[(lightness >= low) & (lightness <= high)])
    return np.vstack(samples) if samples else np.zeros((0, 3))


def eye_colour(image: np.ndarray, landmarks: np.ndarray, balance: WhiteBalance) -> dict[str, Any] | None:
    lab = iris_pixels(image, landmarks, balance)
    if len(lab) < MIN_IRIS_PIXELS:
        return None
    iris = np.median(lab, axis=0)
    label = classify_iris(iris)
    # Dark irises in shadow carry little colour: the class is least certain there.
    confidence = float(np.clip(len(lab) / 150.0, 0.0, 1.0)) * (0.3 + 0.7 * float(np.clip((iris[0] - 10) / 20, 0, 1)))
    return {"label": label, "lab": [round(float(v), 2) for v in iris], "hex": colour.lab_to_hex(iris),
            "pixels": len(lab), "confidence": round(confidence, 3)}


def classify_iris(lab: np.ndarray) -> str:
    lightness, a, b = (float(v) for v in lab)
    chroma = float(np.hypot(a, b))
    if b < -1.0 or (b < 3.0 and a < 0.0 and lightness > 35.0):
        return "blue"
    if chroma < GREY_MAX_CHROMA:
        return "grey" if lightness > 40.0 else "dark_brown"
    if a < 0.0 and b > 0.0:
        return "green"
    if lightness < DARK_IRIS_L:
        return "dark_brown"
    hue = float(colour.hue_angle(lab))
    if hue >= 70.0 and lightness > 38.0:
        return "hazel"
    return "brown"
