"""Find faces and their landmarks in decoded pixels: the entry point other apps use for landmarks."""

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from beautyrec.core.ml.runtime import cached
from recognition.ml.landmarks import HogDetector, ShapePredictor, five_from_68


@dataclass(frozen=True)
class FoundFace:
    box: np.ndarray  # (4,) left, top, right, bottom in the pixels given
    score: float
    landmarks5: np.ndarray  # (5, 2): eye corners and nose base, always present
    landmarks68: np.ndarray | None  # (68, 2) iBUG layout; None when LANDMARK_POINTS=5 (licence setting)

    @property
    def area(self) -> float:
        return float((self.box[2] - self.box[0]) * (self.box[3] - self.box[1]))


def landmark_points() -> int:
    """68 normally; 5 where the non-commercial 68-point model must not be used (``LANDMARK_POINTS=5``)."""
    return settings.LANDMARK_POINTS


def find_faces(pixels: np.ndarray, *, upsample: int = 1) -> list[FoundFace]:
    """Every face in an (H, W, 3) uint8 RGB array, most confident first, with landmarks."""
    detector = cached(("hog", upsample), lambda: HogDetector(upsample=upsample))
    points = landmark_points()
    predictor = cached(("shape", points), lambda: ShapePredictor(points))
    faces = []
    for det in detector(pixels):
        shape = predictor(pixels, det.box)
        if points == 68:
            faces.append(FoundFace(det.box, det.score, five_from_68(shape), shape))
        else:
            faces.append(FoundFace(det.box, det.score, shape, None))
    return faces
