"""The torch MMOD detector finds what HOG finds and reproduces dlib's own CNN detector."""

import dlib
import numpy as np
import pytest
import torch

from recognition.ml.dlib_files import model_path
from recognition.ml.landmarks import HogDetector
from recognition.ml.mmod import MmodDetector, pyramid_layout
from recognition.services.detection import detector_name, find_faces
from tests.conftest import FIXTURES
from tests.recognition.conftest import BLAIR, POWELL, SERENA, load_rgb, side_by_side


@pytest.fixture(scope="module")
def mmod():
    return MmodDetector.from_dlib(model_path("mmod"), torch.device("cpu"))


def iou(a, b) -> float:
    inner = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return inner / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inner)


@pytest.mark.parametrize("path", [*BLAIR, *POWELL, *SERENA, FIXTURES / "obama.jpg", FIXTURES / "biden.jpg",
                                  FIXTURES / "faces" / "att_s1_1.pgm"])
def test_mmod_finds_the_faces_hog_finds(path, mmod):
    pixels = load_rgb(path)
    upsample = 1 if max(pixels.shape) < 500 else 0
    hog_boxes = [d.box for d in HogDetector(upsample=upsample)(pixels)]
    mmod_boxes = [d.box for d in mmod(pixels, upsample=upsample)]
    assert hog_boxes
    for box in hog_boxes:
        assert max(iou(box, other) for other in mmod_boxes) > 0.4


def test_mmod_finds_every_face_of_a_group(mmod):
    pixels = side_by_side(BLAIR[0], POWELL[1], SERENA[0])
    boxes = sorted(d.box[0] for d in mmod(pixels, upsample=1))
    assert len(boxes) == 3 and boxes[0] < 150 < boxes[1] < 320 < boxes[2]


@pytest.mark.parametrize(("path", "upsample"), [(POWELL[1], 1), (FIXTURES / "faces" / "att_s2_1.pgm", 0)])
def test_mmod_matches_dlibs_cnn_detector(path, upsample, mmod):
    pixels = load_rgb(path)
    reference = dlib.cnn_face_detection_model_v1(str(model_path("mmod")))(pixels, upsample)
    ours = mmod(pixels, upsample=upsample)
    assert len(ours) == len(reference) >= 1
    for det, ref in zip(ours, reference, strict=True):
        assert det.box.tolist() == [ref.rect.left(), ref.rect.top(), ref.rect.right(), ref.rect.bottom()]
        assert det.score == pytest.approx(ref.confidence, abs=2e-3)


def test_nothing_found_in_flat_or_tiny_images(mmod):
    assert mmod(np.full((120, 160, 3), 128, np.uint8)) == []
    assert mmod(np.zeros((4, 4, 3), np.uint8)) == []


def test_pyramid_layout_packs_levels_without_overlap():
    rects, height, width = pyramid_layout(480, 640, 10, 11)
    assert rects[0] == (11, 11, 650, 490) and width == 662
    assert len(rects) > 10
    for i, a in enumerate(rects):
        assert a[0] >= 0 and a[2] < width and a[1] >= 0 and a[3] < height
        for b in rects[i + 1:]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]


def test_detector_choice_follows_the_setting(settings):
    settings.FACE_DETECTOR = "auto"
    assert detector_name() == "hog"  # no GPU here
    settings.FACE_DETECTOR = "mmod"
    assert detector_name() == "mmod"
    assert detector_name("hog") == "hog"
    faces = find_faces(load_rgb(SERENA[0]))
    assert [f.detector for f in faces] == ["mmod"]
    assert faces[0].landmarks5.shape == (5, 2) and faces[0].landmarks68.shape == (68, 2)
