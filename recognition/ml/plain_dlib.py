"""The plain dlib face-recognition pipeline, run with dlib itself: the baseline the service is measured against.

HOG detector upsampled once, the face nearest the image centre, the 5-point predictor and dlib's
``compute_face_descriptor`` without jitter, as dlib's own examples use it. No fallback: where HOG finds no
face the image has no descriptor (a probe without one is never answered).
"""

import dlib
import numpy as np

from recognition.ml.dlib_files import model_path


class PlainDlibPipeline:
    def __init__(self) -> None:
        self._detector = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(str(model_path("landmarks5")))
        self._net = dlib.face_recognition_model_v1(str(model_path("resnet")))

    def __call__(self, rgb: np.ndarray) -> np.ndarray | None:
        """The unit-length descriptor (128,) of the central face of an (H, W, 3) uint8 RGB array, or None."""
        rgb = np.ascontiguousarray(rgb)
        rects = self._detector(rgb, 1)
        if not len(rects):
            return None
        centre = np.array([rgb.shape[1], rgb.shape[0]]) / 2
        rect = min(rects, key=lambda r: float(np.hypot((r.left() + r.right()) / 2 - centre[0],
                                                       (r.top() + r.bottom()) / 2 - centre[1])))
        descriptor = np.array(self._net.compute_face_descriptor(rgb, self._shape(rgb, rect)), dtype=np.float32)
        return descriptor / np.linalg.norm(descriptor)
