"""A face-quality score in [0, 1] from three cheap cues a recognition result depends on.

- size: face-box width in processed pixels; the 150 px chip is a strong upscale below about 80 px;
- sharpness: variance of the Laplacian over the central 100x100 of the aligned chip, v / (v + 10)
  (sharp LFW faces give v of 15-120, the same faces blurred by 1% of the image width give 2-9);
- pose: the nose base's offset along the eye axis from the eyes' midpoint, over the eye distance
  (about 0 frontal, 0.1-0.15 for a slight turn, 0.5 is treated as profile).

The score is their product, so any one weak cue pulls it down; the parts are reported too.
"""

import numpy as np

FULL_SIZE_PX = 80.0
SHARPNESS_HALF = 10.0
PROFILE_OFFSET = 0.5


def sharpness(chip: np.ndarray) -> float:
    gray = chip.astype(np.float64).mean(axis=2)
    h, w = gray.shape
    centre = gray[h // 6: h - h // 6, w // 6: w - w // 6]
    lap = (4 * centre[1:-1, 1:-1] - centre[:-2, 1:-1] - centre[2:, 1:-1] - centre[1:-1, :-2] - centre[1:-1, 2:])
    return float(lap.var())


def nose_offset(landmarks5: np.ndarray) -> float:
    """Signed offset of the nose base along the eye axis, in eye distances (dlib's 5-point layout)."""
    eye_a, eye_b = landmarks5[0:2].mean(axis=0), landmarks5[2:4].mean(axis=0)
    axis = eye_a - eye_b
    distance = float(np.linalg.norm(axis))
    if distance == 0:
        return 0.0
    return float((landmarks5[4] - (eye_a + eye_b) / 2) @ axis / distance / distance)


def face_quality(chip: np.ndarray, face_width: float, landmarks5: np.ndarray) -> tuple[float, dict[str, float]]:
    variance = sharpness(chip)
    parts = {
        "size": min(1.0, max(0.0, face_width / FULL_SIZE_PX)),
        "sharpness": variance / (variance + SHARPNESS_HALF),
        "pose": max(0.0, 1.0 - abs(nose_offset(landmarks5)) / PROFILE_OFFSET),
    }
    score = parts["size"] * parts["sharpness"] * parts["pose"]
    return round(score, 4), {k: round(v, 4) for k, v in parts.items()}
