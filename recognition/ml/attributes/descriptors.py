"""Reference 128-D descriptors from dlib's own ResNet, for training and evaluating the attribute heads.

Serving takes descriptors from the project's embedder; this module gives the same numbers (dlib's
``compute_face_descriptor`` on ``get_face_chip(img, shape5, 150, 0.25)`` chips, which the torch port matches
to 4e-7) for the offline commands that need them on thousands of files. Views: the aligned chip and its
mirror image.
"""

import dlib
import numpy as np

from recognition.ml.dlib_files import model_path

CHIP_SIZE = 150
CHIP_PADDING = 0.25


def shape_from_landmarks(box: np.ndarray, landmarks5: np.ndarray) -> dlib.full_object_detection:
    left, top, right, bottom = (int(v) for v in np.rint(box))
    points = dlib.points([dlib.point(round(x), round(y)) for x, y in landmarks5])
    return dlib.full_object_detection(dlib.rectangle(left, top, right, bottom), points)


class DlibDescriptors:
    def __init__(self) -> None:
        self._net = dlib.face_recognition_model_v1(str(model_path("resnet")))

    def chips(self, image: np.ndarray, box: np.ndarray, landmarks5: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        chip = dlib.get_face_chip(np.ascontiguousarray(image), shape_from_landmarks(box, landmarks5),
                                  CHIP_SIZE, CHIP_PADDING)
        return chip, np.ascontiguousarray(chip[:, ::-1])

    def views(self, image: np.ndarray, box: np.ndarray, landmarks5: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(descriptor of the chip, descriptor of its mirror), each (128,)."""
        chip, mirror = self.chips(image, box, landmarks5)
        both = np.array(self._net.compute_face_descriptor([chip, mirror]), dtype=np.float64)
        return both[0], both[1]
