"""Skin tone, white balance and confidence on real photos (fixtures), plus colour maths on known colours."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

from beautyrec.core import colour
from recognition.ml.attributes import appearance, skin, white_balance
from recognition.services.detection import find_faces
from tests.conftest import FIXTURES

CASTS = [(1.1, 1.0, 0.9), (0.9, 1.0, 1.1), (1.1, 1.0, 1.0), (0.9, 1.0, 1.0), (1.0, 1.1, 1.0), (1.0, 0.9, 1.0),
         (1.0, 1.0, 1.1), (1.0, 1.0, 0.9)]


@pytest.fixture(scope="module")
def faces():
    out = {}
    for name in ("obama.jpg", "biden.jpg"):
        pixels = np.asarray(Image.open(FIXTURES / name).convert("RGB"))
        out[name] = (pixels, find_faces(pixels)[0])
    return out


def tint(pixels: np.ndarray, gains) -> np.ndarray:
    return np.clip(np.rint(pixels * np.array(gains)), 0, 255).astype(np.uint8)


def measure(pixels: np.ndarray, landmarks: np.ndarray) -> skin.SkinMeasurement:
    result = skin.measure(pixels, landmarks, white_balance.estimate(pixels))
    assert result is not None
    return result


def test_skin_of_a_well_lit_portrait(faces):
    pixels, face = faces["obama.jpg"]
    result = measure(pixels, face.landmarks68).as_dict()
    assert set(result["regions"]) == {"right_cheek", "left_cheek", "forehead", "nose_bridge"}
    assert result["pixels"] > 3000
    assert result["confidence"] > 0.9
    # The official portrait is brightly lit: light-brown skin, L* about 73, yellow-red hue.
    assert 65 < result["lab"][0] < 80 and 10 < result["lab"][1] < 25 and 18 < result["lab"][2] < 32
    assert result["ita"] == pytest.approx(colour.ita(np.array(result["lab"])), abs=0.02)
    assert result["ita_category"] in ("light", "intermediate")
    assert result["monk"] in (4, 5, 6)
    assert colour.ciede2000(colour.hex_to_lab(result["hex"]), result["lab"]) < 1.0


def test_white_balance_cancels_known_casts(faces):
    """+-10% channel gains and warm/cool casts: the skin Lab moves by less than dE2000 3 on average."""
    moved, moved_raw = [], []
    for pixels, face in faces.values():
        base = measure(pixels, face.landmarks68).lab
        base_raw = skin.measure(pixels, face.landmarks68, white_balance.NEUTRAL).lab
        for gains in CASTS:
            tinted = tint(pixels, gains)
            moved.append(float(colour.ciede2000(measure(tinted, face.landmarks68).lab, base)))
            moved_raw.append(float(colour.ciede2000(
                skin.measure(tinted, face.landmarks68, white_balance.NEUTRAL).lab, base_raw)))
    assert np.mean(moved) < 3.0
    assert max(moved) < 5.0
    assert np.mean(moved_raw) > 2 * np.mean(moved)  # the correction is what removes the cast


def test_white_balance_gains_undo_a_synthetic_light():
    rng = np.random.default_rng(1)
    scene = rng.integers(20, 230, size=(120, 160, 3)).astype(np.uint8)  # a textured, grey-on-average scene
    neutral = white_balance.estimate(scene)
    tinted = tint(scene, (1.1, 1.0, 0.85))
    balanced = white_balance.estimate(tinted)
    assert balanced.cast_strength > neutral.cast_strength + 0.2
    corrected = balanced.apply_srgb(tinted.reshape(-1, 3).astype(np.float64))
    reference = neutral.apply_srgb(scene.reshape(-1, 3).astype(np.float64))
    delta = colour.ciede2000(colour.srgb_to_lab(corrected), colour.srgb_to_lab(reference))
    assert float(np.median(delta)) < 2.0


def test_small_blurred_and_dark_faces_get_low_confidence(faces):
    pixels, face = faces["obama.jpg"]
    lm = face.landmarks68
    good = measure(pixels, lm).confidence
    h, w = pixels.shape[:2]
    small = np.asarray(Image.fromarray(pixels).resize((w // 10, h // 10), Image.BILINEAR))
    blurred = np.asarray(Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(5)))
    dark = tint(pixels, (0.2, 0.2, 0.2))
    for changed, landmarks in ((small, lm / 10), (blurred, lm), (dark, lm)):
        result = skin.measure(changed, landmarks, white_balance.estimate(changed))
        assert result is None or result.confidence < 0.4 < good


def test_dark_skin_in_good_light_is_not_penalised_as_a_dark_photo():
    # A UTKFace crop of a man with dark-brown skin in ordinary light.
    pixels = np.asarray(Image.open(FIXTURES / "utkface" / "25_0_1_20170103180757928.jpg.chip.jpg").convert("RGB"))
    face = find_faces(pixels)[0]
    result = measure(pixels, face.landmarks68)
    assert result.quality["exposure"] == 1.0
    assert result.lab[0] < 55 and colour.nearest_monk(result.lab)[0] >= 7
    assert colour.ita_category(float(colour.ita(result.lab))) in ("tan", "brown", "dark")


def test_five_point_mode_says_what_it_lacks(faces):
    pixels, face = faces["biden.jpg"]
    result = appearance.measure_appearance(pixels, landmarks5=face.landmarks5, landmarks68=None)
    assert result["landmark_points"] == 5
    assert result["face_shape"] == {"available": False, "reason": "needs_68_landmarks"}
    assert result["lips"] == {"available": False, "reason": "needs_68_landmarks"}
    full = appearance.measure_appearance(pixels, landmarks5=face.landmarks5, landmarks68=face.landmarks68)
    # Skin from the eye-placed patches agrees with the 68-point patches.
    assert colour.ciede2000(result["skin"]["lab"], full["skin"]["lab"]) < 3.0
    assert result["skin"]["confidence"] < full["skin"]["confidence"]


def test_lips_and_eyes_of_a_real_face(faces):
    pixels, face = faces["obama.jpg"]
    result = appearance.measure_appearance(pixels, landmarks5=face.landmarks5, landmarks68=face.landmarks68)
    lips, eyes, tone = result["lips"], result["eyes"], result["skin"]
    assert lips["pixels"] > 500
    assert lips["lab"][0] < tone["lab"][0] - 10  # lips are darker than the cheeks
    assert colour.hue_angle(np.array(lips["lab"])) < colour.hue_angle(np.array(tone["lab"]))  # and redder
    assert eyes["label"] in ("dark_brown", "brown")
    assert result["undertone"]["label"] == colour.undertone_from_lab(np.array(tone["lab"]))


def test_faces_running_off_the_image_are_measured_or_declined_without_errors(faces):
    pixels, face = faces["obama.jpg"]
    off = appearance.measure_appearance(pixels, landmarks5=face.landmarks5 + 2000, landmarks68=face.landmarks68 + 2000)
    assert off["skin"] == {"available": False, "reason": "no_skin_pixels"}
    assert off["eyes"]["available"] is False
    half = appearance.measure_appearance(pixels, landmarks5=face.landmarks5 - 250, landmarks68=face.landmarks68 - 250)
    assert half["skin"]["pixels"] < 0.6 * appearance.measure_appearance(
        pixels, landmarks5=face.landmarks5, landmarks68=face.landmarks68)["skin"]["pixels"]
