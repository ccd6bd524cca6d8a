"""Landmark-defined face regions as pixel masks: skin patches (cheeks, forehead, nose bridge), lips and eyes.

Regions are polygons built from the dlib landmarks (68-point iBUG layout, or the 5-point eye-corner/nose
layout in licence mode) and rasterised only inside the face's bounding rectangle, so their cost does not
grow with the photo. Skin patches are placed away from the eyes, brows, lips and nostrils, and those parts
are also cut out of every skin mask (with a margin), so a landmark error of a few pixels does not let an
eyelash or a lip edge into the skin sample.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

# 68-point layout indices (iBUG 300-W).
JAW = slice(0, 17)
RIGHT_BROW = slice(17, 22)  # the subject's right: image left in a frontal photo
LEFT_BROW = slice(22, 27)
RIGHT_EYE = slice(36, 42)
LEFT_EYE = slice(42, 48)
OUTER_LIPS = slice(48, 60)
INNER_LIPS = slice(60, 68)
NOSTRILS = slice(31, 36)


@dataclass(frozen=True)
class RegionMask:
    """A boolean mask over the window ``(top, left)`` + ``mask.shape`` of the image."""

    mask: np.ndarray
    top: int
    left: int

    def pixels(self, image: np.ndarray) -> np.ndarray:
        """The (n, 3) pixels of ``image`` under the mask."""
        h, w = self.mask.shape
        return image[self.top:self.top + h, self.left:self.left + w][self.mask]

    @property
    def count(self) -> int:
        return int(self.mask.sum())


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return a + (b - a) * t


def face_axes(landmarks5: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Unit vectors along the eye line (image left to right) and down the face, and the eye-centre distance.

    From the 5-point layout (dlib's 5-point model runs in both landmark modes), so
    both landmark modes share one frame.
    """
    left_eye = landmarks5[0:2].mean(axis=0)  # subject's left: image right
    right_eye = landmarks5[2:4].mean(axis=0)
    across = left_eye - right_eye
    distance = float(np.hypot(*across))
    across = across / max(distance, 1e-6)
    down = np.array([-across[1], across[0]])
    if np.dot(landmarks5[4] - (left_eye + right_eye) / 2, down) < 0:
        down = -down
    return across, down, distance


def skin_polygons_68(lm: np.ndarray) -> dict[str, np.ndarray]:
    """Cheeks, forehead and nose bridge as polygons from 68 landmarks.

    Cheeks span from below the lower eyelid to the nostril line, inset from the jaw contour and from the
    nose; the forehead is a band above the middle of the brows (the landmarks stop at the brows, so its
    height is a fraction of the brow-to-chin distance); the bridge is a strip down the nose between the eyes.
    """
    up = lm[27] - lm[8]
    up = up / max(float(np.hypot(*up)), 1e-6)
    brow_chin = float(np.hypot(*(lm[8] - (lm[19] + lm[24]) / 2)))
    right_cheek = np.array([
        _lerp(lm[1], lm[40], 0.25), _lerp(lm[40], lm[31], 0.35), _lerp(lm[31], lm[3], 0.25),
        _lerp(lm[3], lm[31], 0.2),
    ])
    left_cheek = np.array([
        _lerp(lm[15], lm[47], 0.25), _lerp(lm[47], lm[35], 0.35), _lerp(lm[35], lm[13], 0.25),
        _lerp(lm[13], lm[35], 0.2),
    ])
    forehead = np.array([
        lm[19] + up * 0.06 * brow_chin, lm[24] + up * 0.06 * brow_chin,
        lm[24] + up * 0.24 * brow_chin, lm[19] + up * 0.24 * brow_chin,
    ])
    half = 0.22 * float(np.hypot(*(lm[42] - lm[39])))
    across = (lm[42] - lm[39]) / max(float(np.hypot(*(lm[42] - lm[39]))), 1e-6)
    bridge = np.array([lm[28] - across * half, lm[28] + across * half, lm[30] + across * half * 0.8,
                       lm[30] - across * half * 0.8])
    return {"right_cheek": right_cheek, "left_cheek": left_cheek, "forehead": forehead, "nose_bridge": bridge}


def skin_polygons_5(lm5: np.ndarray) -> dict[str, np.ndarray]:
    """Cheeks, forehead and nose bridge from the 5-point layout (eye corners and nose base) alone.

    Without a jaw line or brows the patches are smaller squares set by the eye geometry: cheeks below each
    eye's centre, the bridge between the inner corners, the forehead above the eyes (higher than brows sit).
    """
    across, down, d = face_axes(lm5)
    left_eye, right_eye = lm5[0:2].mean(axis=0), lm5[2:4].mean(axis=0)
    mid = (left_eye + right_eye) / 2

    def square(centre: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
        return np.array([centre - across * half_w - down * half_h, centre + across * half_w - down * half_h,
                         centre + across * half_w + down * half_h, centre - across * half_w + down * half_h])

    return {
        "right_cheek": square(right_eye + down * 0.55 * d - across * 0.05 * d, 0.16 * d, 0.14 * d),
        "left_cheek": square(left_eye + down * 0.55 * d + across * 0.05 * d, 0.16 * d, 0.14 * d),
        "forehead": square(mid - down * 0.75 * d, 0.35 * d, 0.12 * d),
        "nose_bridge": square(mid + down * 0.2 * d, 0.08 * d, 0.12 * d),
    }


def exclusion_polygons_68(lm: np.ndarray) -> list[np.ndarray]:
    """Eyes, brows, lips and nostrils: never skin."""
    nostrils = np.vstack([lm[NOSTRILS], lm[31:36][::-1] + (lm[33] - lm[30]) * 0.5])
    return [lm[RIGHT_EYE], lm[LEFT_EYE], lm[RIGHT_BROW], lm[LEFT_BROW], lm[OUTER_LIPS], nostrils]


def exclusion_polygons_5(lm5: np.ndarray) -> list[np.ndarray]:
    across, down, d = face_axes(lm5)
    eyes = []
    for outer, inner in ((lm5[0], lm5[1]), (lm5[2], lm5[3])):
        eyes.append(np.array([outer - down * 0.12 * d, inner - down * 0.12 * d, inner + down * 0.1 * d,
                              outer + down * 0.1 * d]))
    nose = lm5[4]
    nostrils = np.array([nose - across * 0.25 * d - down * 0.12 * d, nose + across * 0.25 * d - down * 0.12 * d,
                         nose + across * 0.25 * d + down * 0.08 * d, nose - across * 0.25 * d + down * 0.08 * d])
    return [*eyes, nostrils]


def rasterise(polygons: list[np.ndarray], shape: tuple[int, int], *, window: tuple[int, int, int, int],
              margin: int = 0) -> np.ndarray:
    """Union of ``polygons`` as a mask over ``window`` (top, left, bottom, right), grown by ``margin`` px."""
    top, left, bottom, right = window
    canvas = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    draw = ImageDraw.Draw(canvas)
    for poly in polygons:
        points = [(float(x - left), float(y - top)) for x, y in poly]
        draw.polygon(points, fill=1, outline=1, width=1 + 2 * margin if margin else 1)
    return np.asarray(canvas, dtype=bool)


def face_window(points: np.ndarray, shape: tuple[int, int], grow: float = 0.6) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) around the landmarks, grown to take in the forehead, clipped to the image."""
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    pad = grow * max(x1 - x0, y1 - y0)
    top = int(max(0, np.floor(y0 - pad)))
    left = int(max(0, np.floor(x0 - pad * 0.5)))
    bottom = int(min(shape[0], np.ceil(y1 + pad * 0.3)))
    right = int(min(shape[1], np.ceil(x1 + pad * 0.5)))
    return top, left, bottom, right


def skin_masks(landmarks: np.ndarray, shape: tuple[int, int]) -> dict[str, RegionMask]:
    """One mask per skin region (68- or 5-point landmarks), with eyes, brows, lips and nostrils cut out."""
    if len(landmarks) == 68:
        polygons, exclusions = skin_polygons_68(landmarks), exclusion_polygons_68(landmarks)
        scale = float(np.hypot(*(landmarks[45] - landmarks[36])))
    else:
        polygons, exclusions = skin_polygons_5(landmarks), exclusion_polygons_5(landmarks)
        scale = face_axes(landmarks)[2]
    every = np.vstack([*polygons.values(), landmarks])
    window = face_window(every, shape, grow=0.0)
    margin = max(1, round(0.03 * scale))
    excluded = rasterise(exclusions, shape, window=window, margin=margin)
    masks = {}
    for name, poly in polygons.items():
        mask = rasterise([poly], shape, window=window) & ~excluded
        masks[name] = RegionMask(mask, window[0], window[1])
    return masks


def lip_mask(lm: np.ndarray, shape: tuple[int, int]) -> RegionMask:
    """Lips only: the outer lip contour minus the mouth opening (teeth, tongue)."""
    window = face_window(lm[OUTER_LIPS], shape, grow=0.05)
    outer = rasterise([lm[OUTER_LIPS]], shape, window=window)
    inner = rasterise([lm[INNER_LIPS]], shape, window=window, margin=1)
    return RegionMask(outer & ~inner, window[0], window[1])


def eye_masks(landmarks: np.ndarray, shape: tuple[int, int]) -> list[RegionMask]:
    """The visible eye (between the lids) for each eye; from 68 points the lid contour, from 5 a lens shape."""
    if len(landmarks) == 68:
        polygons = [landmarks[RIGHT_EYE], landmarks[LEFT_EYE]]
    else:
        _across, down, d = face_axes(landmarks)
        polygons = []
        for outer, inner in ((landmarks[0], landmarks[1]), (landmarks[2], landmarks[3])):
            mid = (outer + inner) / 2
            polygons.append(np.array([outer, mid - down * 0.07 * d, inner, mid + down * 0.07 * d]))
    masks = []
    for poly in polygons:
        window = face_window(poly, shape, grow=0.05)
        masks.append(RegionMask(rasterise([poly], shape, window=window), window[0], window[1]))
    return masks
