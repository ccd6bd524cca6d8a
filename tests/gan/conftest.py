"""Shared fixtures for the gan tests: real face photos with their 68 landmarks (found once per session)."""

from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

from tests.conftest import FIXTURES


@dataclass(frozen=True)
class FacePhoto:
    pixels: np.ndarray
    landmarks: np.ndarray


def landmarks_of(pixels: np.ndarray) -> np.ndarray:
    from recognition.services.analysis import detect_faces

    faces = sorted(detect_faces(pixels), key=lambda f: f.area, reverse=True)
    assert faces, "fixture photo without a detectable face"
    return faces[0].landmarks68


def load_face(path) -> FacePhoto:
    pixels = np.asarray(Image.open(path).convert("RGB"))
    return FacePhoto(pixels, landmarks_of(pixels))


@pytest.fixture(scope="session")
def obama() -> FacePhoto:
    """A frontal 910 x 1137 portrait with an open smile: teeth visible between the lips."""
    return load_face(FIXTURES / "obama.jpg")


@pytest.fixture(scope="session")
def serena() -> FacePhoto:
    return load_face(FIXTURES / "faces" / "Serena_Williams_0001.jpg")
