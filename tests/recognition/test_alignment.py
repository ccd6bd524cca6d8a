"""Chips cut in torch are dlib's chips, pixel for pixel, including the pyramid path for large faces."""

import dlib
import numpy as np
import pytest
import torch

from recognition.ml.alignment import _area, _rect_down, extract_chips, face_chip_details, similarity_transform
from recognition.ml.dlib_files import model_path
from tests.conftest import FIXTURES
from tests.recognition.conftest import BLAIR, POWELL, SERENA, load_rgb, side_by_side


@pytest.fixture(scope="module")
def dlib_tools():
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(model_path("landmarks5")))


def shapes_of(pixels, tools):
    detector, predictor = tools
    return [predictor(pixels, rect) for rect in detector(pixels, 1 if max(pixels.shape) < 500 else 0)]


def ours(pixels, shapes):
    details = [face_chip_details(np.array([(p.x, p.y) for p in s.parts()], float)) for s in shapes]
    return extract_chips(torch.from_numpy(pixels.copy()).permute(2, 0, 1), details).permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("path", [BLAIR[0], POWELL[1], SERENA[0], FIXTURES / "faces" / "att_s2_1.pgm",
                                  FIXTURES / "obama.jpg"])
def test_chips_equal_dlib_get_face_chip(path, dlib_tools):
    pixels = load_rgb(path)
    shapes = shapes_of(pixels, dlib_tools)
    reference = np.stack([np.asarray(dlib.get_face_chip(pixels, s, size=150, padding=0.25)) for s in shapes])
    assert np.array_equal(ours(pixels, shapes), reference.astype(np.float32))


def test_a_large_face_uses_the_pyramid_and_still_matches(dlib_tools):
    """biden.jpg's face chip covers ~335 px: dlib samples it from a 2x-down pyramid level."""
    pixels = load_rgb(FIXTURES / "biden.jpg")
    shape = shapes_of(pixels, dlib_tools)[0]
    details = face_chip_details(np.array([(p.x, p.y) for p in shape.parts()], float))
    assert _area(_rect_down(details.rect)) > 150 * 150  # dlib's condition for using a pyramid level
    reference = np.asarray(dlib.get_face_chip(pixels, shape, size=150, padding=0.25))
    assert np.array_equal(ours(pixels, [shape])[0], reference.astype(np.float32))


def test_several_faces_in_one_call_and_a_face_at_the_border(dlib_tools):
    # The first face now touches the left edge.
    pixels = np.ascontiguousarray(side_by_side(BLAIR[1], POWELL[0], SERENA[1])[:, 50:])
    shapes = shapes_of(pixels, dlib_tools)
    assert len(shapes) == 3
    reference = np.stack([np.asarray(c) for c in dlib.get_face_chips(pixels, dlib.full_object_detections(shapes),
                                                                      size=150, padding=0.25)])
    chips = ours(pixels, shapes)
    assert np.array_equal(chips, reference.astype(np.float32))
    assert (chips == 0).all(axis=-1).any()  # samples outside the image are black, as in dlib


def test_similarity_transform_recovers_a_known_transform():
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (5, 2))
    angle, scale, shift = 0.3, 1.7, np.array([12.0, -4.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix, offset = similarity_transform(src, src @ (scale * rotation).T + shift)
    assert np.allclose(matrix, scale * rotation) and np.allclose(offset, shift)
