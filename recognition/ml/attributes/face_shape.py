"""Face shape (oval, round, square, heart, oblong, diamond) from 68-landmark geometry.

Measurements (iBUG 68-point indices), all distances in pixels and then made into ratios:

- cheekbone width: jaw-contour points 1 and 15 (the widest part of the face below the temples);
- forehead width: the outer ends of the brows, 17 and 26 (the landmarks stop at the brows);
- jaw width: jaw-contour points 4 and 12 (the jaw corners);
- face length: chin (8) to the brows' top (mean of 19 and 24), times 1.5, because the landmarks stop at
  the brows and the brow-to-hairline third of a face is on average half the brow-to-chin two thirds
  (the rule of facial thirds);
- jaw angle: the angle at each jaw corner (4, 12) between the ramus (towards 2, 14) and the chin (8),
  averaged: near 125-135 degrees is an angular jaw, near 150 a rounded one;
- chin angle: the angle at the chin (8) between points 6 and 10: small for a pointed chin.

Rules (applied in this order). No public data labels face shapes, so the thresholds are placed on the
distribution of these ratios over 695 LFW photos of 59 people (percentiles in brackets; medians: length
1.47, forehead 0.79, jaw 0.84, jaw angle 141, chin angle 137 degrees): each class takes the tail of the
measure that beauty guides define it by, and the tests check each class on constructed landmark sets.

1. oblong: length / cheekbone width >= ``OBLONG_LENGTH`` (top 15%).
2. diamond: cheekbones clearly widest: forehead < ``DIAMOND_FOREHEAD`` (bottom 15%) and jaw <
   ``DIAMOND_JAW`` (bottom 30%) of the cheekbone width.
3. heart: forehead at least as wide as the jaw (``HEART_FOREHEAD_OVER_JAW``, top 15%) and a pointed chin
   (chin angle <= ``POINTED_CHIN``, bottom 20%).
4. square: short face (length ratio < ``SHORT_FACE``, bottom 15%), wide jaw (>= ``WIDE_JAW``, top 40%)
   and an angular jaw (<= ``ANGULAR_JAW`` degrees, bottom 35%).
5. round: short face with a soft jaw.
6. oval: everything else (longer than wide, jaw narrower than cheekbones, no extreme).
"""

from dataclasses import dataclass
from typing import Any, Final

import numpy as np

OBLONG_LENGTH: Final = 1.56
SHORT_FACE: Final = 1.38
DIAMOND_FOREHEAD: Final = 0.74
DIAMOND_JAW: Final = 0.82
HEART_FOREHEAD_OVER_JAW: Final = 0.0
POINTED_CHIN: Final = 130.0
WIDE_JAW: Final = 0.845
ANGULAR_JAW: Final = 138.0
# Head turn: the nose tip's offset from the jaw's midline over half the cheekbone width. Width ratios are
# unreliable on turned heads, so confidence falls as this grows.
MAX_YAW_OFFSET: Final = 0.35
SHAPES: Final = ("oval", "round", "square", "heart", "oblong", "diamond")


@dataclass(frozen=True)
class FaceShape:
    label: str
    ratios: dict[str, float]
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "ratios": {k: round(v, 3) for k, v in self.ratios.items()},
                "confidence": round(self.confidence, 3)}


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(a - b)))


def _angle(vertex: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    u, v = a - vertex, b - vertex
    cos = float(np.dot(u, v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def measurements(lm: np.ndarray) -> dict[str, float]:
    cheekbones = _dist(lm[1], lm[15])
    forehead = _dist(lm[17], lm[26])
    jaw = _dist(lm[4], lm[12])
    length = 1.5 * _dist(lm[8], (lm[19] + lm[24]) / 2)
    jaw_angle = (_angle(lm[4], lm[2], lm[8]) + _angle(lm[12], lm[14], lm[8])) / 2
    chin_angle = _angle(lm[8], lm[6], lm[10])
    midline = (lm[1] + lm[15]) / 2
    axis = (lm[15] - lm[1]) / max(cheekbones, 1e-9)
    yaw = float(np.dot(lm[30] - midline, axis)) / max(cheekbones / 2, 1e-9)
    return {
        "length_to_width": length / max(cheekbones, 1e-9),
        "forehead_to_cheekbones": forehead / max(cheekbones, 1e-9),
        "jaw_to_cheekbones": jaw / max(cheekbones, 1e-9),
        "jaw_angle_deg": jaw_angle,
        "chin_angle_deg": chin_angle,
        "yaw_offset": yaw,
    }


def classify(ratios: dict[str, float]) -> str:
    length = ratios["length_to_width"]
    forehead = ratios["forehead_to_cheekbones"]
    jaw = ratios["jaw_to_cheekbones"]
    if length >= OBLONG_LENGTH:
        return "oblong"
    if forehead < DIAMOND_FOREHEAD and jaw < DIAMOND_JAW:
        return "diamond"
    if forehead - jaw >= HEART_FOREHEAD_OVER_JAW and ratios["chin_angle_deg"] <= POINTED_CHIN:
        return "heart"
    if length < SHORT_FACE:
        if jaw >= WIDE_JAW and ratios["jaw_angle_deg"] <= ANGULAR_JAW:
            return "square"
        return "round"
    return "oval"


def face_shape(lm: np.ndarray) -> FaceShape:
    """Shape label, the ratios it was decided on, and a confidence that falls with head turn and closeness
    to a class boundary on the length ratio (the most decisive and noisiest measure)."""
    ratios = measurements(lm)
    label = classify(ratios)
    turn = min(abs(ratios["yaw_offset"]) / MAX_YAW_OFFSET, 1.0)
    length = ratios["length_to_width"]
    margin = min(abs(length - OBLONG_LENGTH), abs(length - SHORT_FACE))
    confidence = (1.0 - 0.8 * turn) * (0.6 + 0.4 * min(margin / 0.08, 1.0))
    return FaceShape(label=label, ratios=ratios, confidence=float(confidence))
