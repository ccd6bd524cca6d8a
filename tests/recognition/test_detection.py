import numpy as np
import pytest
from PIL import Image

from recognition.services.detection import find_faces
from tests.conftest import FIXTURES


def load(name: str) -> np.ndarray:
    return np.asarray(Image.open(FIXTURES / name).convert("RGB"))


def test_one_face_with_68_landmarks_inside_its_box():
    faces = find_faces(load("obama.jpg"))
    assert len(faces) == 1
    face = faces[0]
    left, _, right, _ = face.box
    assert face.score > 1.0
    assert 200 < right - left < 350  # the face is about 270 px wide in this 910x1137 photo
    assert face.landmarks68.shape == (68, 2)
    inside = (face.landmarks68[:, 0] > left - 20) & (face.landmarks68[:, 0] < right + 20)
    assert inside.all()
    # Eyes above the nose tip above the mouth: y grows downwards.
    eye_y = face.landmarks68[36:48, 1].mean()
    assert eye_y < face.landmarks68[33, 1] < face.landmarks68[48:68, 1].mean()


def test_five_point_mode_gives_no_68_landmarks(settings):
    settings.LANDMARK_POINTS = 5
    face = find_faces(load("biden.jpg"))[0]
    assert face.landmarks68 is None
    assert face.landmarks5.shape == (5, 2)
    # Outer corners of the two eyes are the two extremes in x.
    assert face.landmarks5[0, 0] > face.landmarks5[1, 0] > face.landmarks5[3, 0] > face.landmarks5[2, 0]


@pytest.mark.parametrize("colour", [(0, 0, 0), (128, 128, 128)])
def test_no_face_in_a_flat_image(colour):
    assert find_faces(np.full((200, 200, 3), colour, np.uint8)) == []
