"""Find faces and their landmarks in decoded pixels: the entry point other apps use for landmarks.

Detector: dlib's HOG on CPU, the MMOD CNN (ported to torch) when the model device is a GPU, or as the
``FACE_DETECTOR`` setting / ``detector`` argument asks. Landmarks: the 5-point predictor always (alignment
for the embedding uses it, as dlib's face-recognition pipeline does), plus the 68-point one unless
``LANDMARK_POINTS=5`` (its training data's licence excludes commercial use).
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
from django.conf import settings

from beautyrec.core.ml.runtime import cached, resolve_device
from recognition.ml.dlib_files import model_path
from recognition.ml.landmarks import Detection, HogDetector, ShapePredictor
from recognition.ml.mmod import MmodDetector

DetectorName = Literal["hog", "mmod"]


@dataclass(frozen=True)
class FoundFace:
    box: np.ndarray  # (4,) left, top, right, bottom in the pixels given
    score: float
    landmarks5: np.ndarray  # (5, 2): eye corners and nose base, always present
    landmarks68: np.ndarray | None  # (68, 2) iBUG layout; None when LANDMARK_POINTS=5 (licence setting)
    detector: str = "hog"  # which detector found it ("hog" SVM margins and "mmod" CNN scores differ in scale)

    @property
    def area(self) -> float:
        return float((self.box[2] - self.box[0]) * (self.box[3] - self.box[1]))

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])


def landmark_points() -> int:
    """68 normally; 5 where the non-commercial 68-point model must not be used (``LANDMARK_POINTS=5``)."""
    return settings.LANDMARK_POINTS


def detector_name(requested: str | None = None) -> DetectorName:
    """``hog`` or ``mmod``: ``auto`` (the default setting) means mmod on a GPU worker and hog on CPU."""
    choice = requested or settings.FACE_DETECTOR
    if choice == "auto":
        return "mmod" if resolve_device(settings.ML_DEVICE).type == "cuda" else "hog"
    if choice not in ("hog", "mmod"):
        raise ValueError(f"unknown face detector {choice!r}")
    return choice  # type: ignore[return-value]


def _detect(pixels: np.ndarray, name: DetectorName, upsample: int) -> list[Detection]:
    if name == "mmod":
        device = resolve_device(settings.ML_DEVICE)
        detector = cached(("mmod", str(device)), lambda: MmodDetector.from_dlib(model_path("mmod"), device))
        return detector(pixels, upsample=upsample)
    hog = cached(("hog", upsample), lambda: HogDetector(upsample=upsample))
    return hog(pixels)


def find_faces(pixels: np.ndarray, *, upsample: int = 1, detector: str | None = None) -> list[FoundFace]:
    """Every face in an (H, W, 3) uint8 RGB array, most confident first, with landmarks."""
    name = detector_name(detector)
    points = landmark_points()
    predictor5 = cached(("shape", 5), lambda: ShapePredictor(5))
    predictor68 = cached(("shape", 68), lambda: ShapePredictor(68)) if points == 68 else None
    faces = []
    for det in _detect(pixels, name, upsample):
        shape68 = predictor68(pixels, det.box) if predictor68 is not None else None
        faces.append(FoundFace(det.box, det.score, predictor5(pixels, det.box), shape68, name))
    return faces
