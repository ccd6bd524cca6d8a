"""Face shape on constructed 68-point landmark sets whose ratios are known by construction."""

import numpy as np
import pytest

from recognition.ml.attributes import face_shape


def constructed_face(*, width: float = 100.0, length: float = 1.47, forehead: float = 0.79, jaw: float = 0.84,
                     jaw_drop: float = 0.22, chin_half: float = 0.2, chin_rise: float = 0.07) -> np.ndarray:
    """68 points of a frontal face: brows on y = 0, chin at y = H, cheekbone width ``width``.

    ``length`` is face length / cheekbone width, where face length is 1.5 x brow-to-chin; ``jaw_drop`` moves
    the jaw corners up from the chin (larger: a more sloping, rounder jaw); ``chin_half``/``chin_rise`` place
    points 6 and 10 (relative to the cheekbone width): a narrow, high pair makes a pointed chin.
    """
    h = length * width / 1.5
    lm = np.zeros((68, 2))
    for i in range(17):  # a smooth jaw first; the measured points are then placed exactly
        t = i / 16
        lm[i] = (-width / 2 + width * t, 0.25 * h + 0.75 * h * np.sin(np.pi * t))
    lm[1] = (-width / 2, 0.25 * h)
    lm[15] = (width / 2, 0.25 * h)
    lm[2] = (-width / 2 * 0.98, 0.45 * h)
    lm[14] = (width / 2 * 0.98, 0.45 * h)
    lm[4] = (-jaw * width / 2, (1 - jaw_drop) * h)
    lm[12] = (jaw * width / 2, (1 - jaw_drop) * h)
    lm[6] = (-chin_half * width, h - chin_rise * width)
    lm[10] = (chin_half * width, h - chin_rise * width)
    lm[8] = (0.0, h)
    for i in range(17, 27):  # brows
        t = (i - 17) / 9
        lm[i] = (-forehead * width / 2 + forehead * width * t, -0.02 * h)
    lm[17] = (-forehead * width / 2, 0.0)
    lm[26] = (forehead * width / 2, 0.0)
    lm[19] = (-forehead * width / 4, -0.02 * h)
    lm[24] = (forehead * width / 4, -0.02 * h)
    lm[27:31] = [(0.0, 0.1 * h * k) for k in range(1, 5)]  # nose bridge down to the tip (30)
    lm[31:36] = [(x, 0.5 * h) for x in np.linspace(-0.1, 0.1, 5) * width]
    lm[36:48] = [(x, 0.1 * h) for x in np.linspace(-0.35, 0.35, 12) * width]
    lm[48:68] = [(x, 0.75 * h) for x in np.linspace(-0.2, 0.2, 20) * width]
    return lm


def test_measured_ratios_match_the_construction():
    ratios = face_shape.measurements(constructed_face(length=1.5, forehead=0.8, jaw=0.85))
    assert ratios["length_to_width"] == pytest.approx(1.5 * 1.02, rel=1e-6)  # brows' top is 2% above y = 0
    assert ratios["forehead_to_cheekbones"] == pytest.approx(0.8)
    assert ratios["jaw_to_cheekbones"] == pytest.approx(0.85)
    assert ratios["yaw_offset"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(("shape", "params"), [
    ("oval", {}),
    ("oblong", {"length": 1.62}),
    ("round", {"length": 1.3, "jaw": 0.8, "jaw_drop": 0.3}),
    ("square", {"length": 1.3, "jaw": 0.9, "jaw_drop": 0.12}),
    ("heart", {"forehead": 0.86, "jaw": 0.8, "chin_half": 0.12, "chin_rise": 0.06}),
    ("diamond", {"forehead": 0.7, "jaw": 0.78}),
])
def test_each_shape_from_its_defining_geometry(shape, params):
    result = face_shape.face_shape(constructed_face(**params))
    assert result.label == shape, result.ratios
    assert set(result.ratios) == {"length_to_width", "forehead_to_cheekbones", "jaw_to_cheekbones",
                                  "jaw_angle_deg", "chin_angle_deg", "yaw_offset"}


def test_square_and_round_differ_by_the_jaw_angle():
    square = face_shape.measurements(constructed_face(length=1.3, jaw=0.9, jaw_drop=0.12))
    round_ = face_shape.measurements(constructed_face(length=1.3, jaw=0.8, jaw_drop=0.3))
    assert square["jaw_angle_deg"] <= face_shape.ANGULAR_JAW < round_["jaw_angle_deg"]


def test_turned_head_lowers_confidence_and_labels_are_rotation_invariant():
    lm = constructed_face()
    frontal = face_shape.face_shape(lm)
    turned = lm.copy()
    turned[27:36, 0] += 20.0  # nose shifted towards one cheek: the head is turned
    assert face_shape.face_shape(turned).confidence < 0.5 * frontal.confidence
    angle = np.radians(20)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    rotated = face_shape.face_shape(lm @ rotation.T * 2.5 + 40)
    assert rotated.label == frontal.label
    assert rotated.ratios["length_to_width"] == pytest.approx(frontal.ratios["length_to_width"])
