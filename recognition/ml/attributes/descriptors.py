"""dlib's face-chip geometry from the project's detections, for the networks that cut chips with dlib.

``shape_from_landmarks`` turns a detection box and its 5 landmarks into the ``full_object_detection`` that
``dlib.get_face_chip`` takes, so those chips are aligned exactly as the networks were trained on.
"""

import dlib
import numpy as np


def shape_from_landmarks(box: np.ndarray, landmarks5: np.ndarray) -> dlib.full_object_detection:
    left, top, right, bottom = (int(v) for v in np.rint(box))
    points = dlib.points([dlib.point(round(x), round(y)) for x, y in landmarks5])
    return dlib.full_object_detection(dlib.rectangle(left, top, right, bottom), points)
