"""Face detection (dlib's HOG detector) and facial landmarks (dlib's 5- and 68-point shape predictors).

Coordinates are in the pixels of the array passed in, as float x/y. The 68-point model follows the iBUG
300-W layout (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, lips 48-67); the 5-point model gives the eye
corners (0-1 right eye, 2-3 left eye) and the base of the nose (4), which is all alignment needs.
"""

from dataclasses import dataclass

import dlib
import numpy as np

from recognition.ml.dlib_files import model_path


@dataclass(frozen=True)
class Detection:
    box: np.ndarray  # (4,) float: left, top, right, bottom
    score: float  # detector confidence (HOG: SVM margin; > 0 is a face at the default threshold)

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])


class HogDetector:
    """dlib's frontal-face HOG detector: CPU only, fast, good on frontal faces of 80 px and up.

    ``upsample`` doubles the image that many times first, which finds faces down to about 40 px.
    """

    def __init__(self, upsample: int = 1, threshold: float = 0.0) -> None:
        self._detector = dlib.get_frontal_face_detector()
        self.upsample = upsample
        self.threshold = threshold

    def __call__(self, rgb: np.ndarray) -> list[Detection]:
        rects, scores, _ = self._detector.run(np.ascontiguousarray(rgb), self.upsample, self.threshold)
        found = [Detection(np.array([r.left(), r.top(), r.right(), r.bottom()], dtype=np.float64), float(s))
                 for r, s in zip(rects, scores, strict=True)]
        return sorted(found, key=lambda d: d.score, reverse=True)


class ShapePredictor:
    """dlib's regression-tree landmark predictor (``points`` = 5 or 68)."""

    def __init__(self, points: int = 68) -> None:
        if points not in (5, 68):
            raise ValueError("dlib ships 5- and 68-point predictors")
        self.points = points
        self._predictor = dlib.shape_predictor(str(model_path(f"landmarks{points}")))

    def __call__(self, rgb: np.ndarray, box: np.ndarray) -> np.ndarray:
        """(points, 2) float x/y landmarks of the face in ``box``."""
        left, top, right, bottom = (int(v) for v in np.rint(box))
        shape = self._predictor(np.ascontiguousarray(rgb), dlib.rectangle(left, top, right, bottom))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)

