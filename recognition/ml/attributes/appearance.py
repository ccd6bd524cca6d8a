"""Every measured (not learned) attribute of one face: skin tone, undertone, face shape, lip and eye colour.

Landmark-dependent parts say what they lack instead of guessing: with the 5-point landmarks of licence
mode there is no jaw line (no face shape) and no lip contour (no lip colour); skin patches and eyes are
placed from the eye corners and nose base instead.
"""

from typing import Any

import numpy as np

from beautyrec.core import colour
from recognition.ml.attributes import face_shape, lips_eyes, skin, white_balance


def unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def undertone(skin_lab: np.ndarray, skin_confidence: float) -> dict[str, Any]:
    """Undertone label with the hue measures it comes from; confidence falls near a threshold."""
    offset = float(colour.undertone_hue_offset(skin_lab))
    margin = min(abs(offset - colour.UNDERTONE_COOL_BELOW), abs(offset - colour.UNDERTONE_WARM_ABOVE))
    return {
        "label": colour.undertone_from_lab(skin_lab),
        "hue_angle": round(float(colour.hue_angle(skin_lab)), 2),
        "b_over_a": round(float(skin_lab[2] / skin_lab[1]), 3) if abs(skin_lab[1]) > 1e-6 else None,
        "hue_offset": round(offset, 2),
        "confidence": round(skin_confidence * (0.5 + 0.5 * min(margin / 3.0, 1.0)), 3),
    }


def measure_appearance(image: np.ndarray, *, landmarks5: np.ndarray, landmarks68: np.ndarray | None,
                       balance: white_balance.WhiteBalance | None = None) -> dict[str, Any]:
    """Plain-dict measurements for one face of an (H, W, 3) uint8 RGB image.

    ``balance`` is the photo's white balance (one per photo, shared by its faces); estimated when omitted.
    """
    balance = balance or white_balance.estimate(image)
    landmarks = landmarks68 if landmarks68 is not None else landmarks5
    result: dict[str, Any] = {
        "landmark_points": len(landmarks),
        "white_balance": {"method": "grey_edge_p6", "gains": [round(float(g), 4) for g in balance.gains],
                          "cast_strength": round(balance.cast_strength, 4)},
    }
    measured = skin.measure(image, landmarks, balance)
    if measured is None:
        result["skin"] = unavailable("no_skin_pixels")
        result["undertone"] = unavailable("no_skin_pixels")
    else:
        result["skin"] = measured.as_dict()
        result["undertone"] = undertone(measured.lab, measured.confidence)
    if landmarks68 is None:
        result["face_shape"] = unavailable("needs_68_landmarks")
        result["lips"] = unavailable("needs_68_landmarks")
    else:
        result["face_shape"] = face_shape.face_shape(landmarks68).as_dict()
        lips = lips_eyes.lip_colour(image, landmarks68, balance)
        result["lips"] = lips.as_dict() if lips is not None else unavailable("no_lip_pixels")
    eyes = lips_eyes.eye_colour(image, landmarks, balance)
    result["eyes"] = eyes if eyes is not None else unavailable("no_iris_pixels")
    return result
