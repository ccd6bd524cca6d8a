"""Face chips for the ResNet: ``dlib.get_face_chip(img, shape5, size=150, padding=0.25)`` re-done in torch.

The transform maths (a least-squares similarity from dlib's 5-point mean face to the landmarks, then a
rotated rectangle) runs in numpy; the pixels are produced on the model's device for all faces of an image in
one ``grid_sample`` call per pyramid level. dlib's details are kept because the network was trained on them:
a chip much smaller than its source rectangle is sampled from a 2x pyramid level (a [1 4 6 4 1] filter with
integer arithmetic), taken over the union of the chips' grown bounding boxes; bilinear samples whose 2x2
neighbourhood leaves the source are black, and values are truncated to integers.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

# dlib's 5-point mean face (eye corners: outer/inner of the left eye in the image's right, then of the right
# eye, then the nose base), in units of the unpadded chip.
MEAN_FACE_5 = np.array([
    [0.8595674595992, 0.2134981538014],
    [0.6460604764104, 0.2289674387677],
    [0.1205750620789, 0.2137274526848],
    [0.3340850613712, 0.2290642403242],
    [0.4901123135679, 0.6277975316475],
])


@dataclass(frozen=True)
class ChipDetails:
    """Where a chip comes from: a rectangle (left, top, right, bottom, inclusive) rotated by ``angle``."""

    rect: tuple[float, float, float, float]
    angle: float
    size: int

    @property
    def center(self) -> np.ndarray:
        left, top, right, bottom = self.rect
        return np.array([(left + right) / 2, (top + bottom) / 2])


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares similarity (Umeyama 1991) taking points ``src`` to ``dst``: returns (2x2 matrix, offset)."""
    mean_src, mean_dst = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - mean_src, dst - mean_dst
    var_src = (src_c ** 2).sum() / len(src)
    cov = dst_c.T @ src_c / len(src)
    u, d, vt = np.linalg.svd(cov)
    s = np.eye(2)
    if np.linalg.det(cov) < 0 or (np.linalg.det(cov) == 0 and np.linalg.det(u) * np.linalg.det(vt) < 0):
        s[1, 1] = -1
    rotation = u @ s @ vt
    scale = np.trace(np.diag(d) @ s) / var_src if var_src else 1.0
    return scale * rotation, mean_dst - scale * rotation @ mean_src


def face_chip_details(landmarks5: np.ndarray, *, size: int = 150, padding: float = 0.25) -> ChipDetails:
    """dlib's ``get_face_chip_details`` for a 5-point shape (eye corners and nose base)."""
    if landmarks5.shape != (5, 2):
        raise ValueError("alignment needs the 5-point landmark layout")
    chip_points = (padding + MEAN_FACE_5) / (2 * padding + 1) * size
    matrix, offset = similarity_transform(chip_points, np.asarray(landmarks5, dtype=np.float64))
    p = matrix @ np.array([1.0, 0.0])
    angle, scale = math.atan2(p[1], p[0]), math.hypot(p[0], p[1])
    center = matrix @ np.array([size / 2, size / 2]) + offset
    half = (size * scale - 1) / 2  # dlib's centered_drect: width - 1 between the edges
    return ChipDetails((center[0] - half, center[1] - half, center[0] + half, center[1] + half), angle, size)


def _rect_down(rect: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Coordinates one level down dlib's ``pyramid_down<2>``: p / 2 - (1.25, 0.75)."""
    left, top, right, bottom = rect
    return left / 2 - 1.25, top / 2 - 0.75, right / 2 - 1.25, bottom / 2 - 0.75


def _area(rect: tuple[float, float, float, float]) -> float:
    left, top, right, bottom = rect
    if left > right or top > bottom:
        return 0.0
    return (right - left + 1) * (bottom - top + 1)


def _rotate(center: np.ndarray, point: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    d = point - center
    return np.array([d[0] * c - d[1] * s, d[0] * s + d[1] * c]) + center


def _corners(rect: tuple[float, float, float, float]) -> list[np.ndarray]:
    left, top, right, bottom = rect
    return [np.array(p, dtype=np.float64) for p in ((left, top), (right, top), (left, bottom), (right, bottom))]


def _round(v: float) -> int:
    return math.floor(v + 0.5)


def pyramid_down2(image: torch.Tensor) -> torch.Tensor:
    """dlib's ``pyramid_down<2>`` on (C, H, W) integer-valued floats: 5x5 binomial filter, every other pixel.

    Exact integer arithmetic in float32 (sums stay below 2**24), done with slices rather than a convolution
    so no reduced-precision (TF32) path can change the result on a GPU.
    """
    _, height, width = image.shape
    if height <= 8 or width <= 8:
        return image[:, :0, :0]
    out_w, out_h = (width - 3) // 2, (height - 3) // 2
    weights = (1.0, 4.0, 6.0, 4.0, 1.0)
    rows = sum(w * image[:, :, k:k + 2 * out_w:2] for k, w in enumerate(weights))
    cols = sum(w * rows[:, k:k + 2 * out_h:2, :] for k, w in enumerate(weights))
    return torch.floor(cols / 256.0)


def _sample(source: torch.Tensor, transforms: list[np.ndarray], size: int) -> torch.Tensor:
    """Bilinear samples of (C, h, w) ``source`` at chip pixels mapped by 2x3 affines; black where dlib is."""
    _, height, width = source.shape
    theta = torch.tensor(np.stack(transforms), dtype=torch.float64)
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64),
                            indexing="ij")
    points = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1)  # (size, size, 3)
    mapped = torch.einsum("hwk,njk->nhwj", points, theta)  # (n, size, size, 2) source x/y
    valid = ((mapped[..., 0] >= 0) & (mapped[..., 0] < width - 1)
             & (mapped[..., 1] >= 0) & (mapped[..., 1] < height - 1))
    grid = torch.stack([mapped[..., 0] * (2.0 / max(width - 1, 1)) - 1,
                        mapped[..., 1] * (2.0 / max(height - 1, 1)) - 1], dim=-1)
    grid = grid.to(device=source.device)
    batch = source.to(torch.float64).unsqueeze(0).expand(len(transforms), -1, -1, -1)
    chips = F.grid_sample(batch, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    chips = torch.floor(chips + 1e-9).clamp_(0, 255)  # dlib truncates its double result
    return (chips * valid.to(device=source.device, dtype=chips.dtype).unsqueeze(1)).to(torch.float32)


def extract_chips(image: torch.Tensor, details: Sequence[ChipDetails]) -> torch.Tensor:
    """dlib's ``extract_image_chips`` for one (3, H, W) image: (N, 3, size, size) float32 values 0-255."""
    if not details:
        size = 150
        return torch.empty((0, 3, size, size), dtype=torch.float32, device=image.device)
    size = details[0].size
    if any(d.size != size for d in details):
        raise ValueError("all chips of one call must have the same size")
    image = image.to(torch.float32)
    _, height, width = image.shape
    chip_area = size * size
    # Union of the grown, rotated chip rectangles (dlib crops this region before building its pyramid).
    box: tuple[int, int, int, int] | None = None
    max_depth = 0
    for d in details:
        depth, grow = 0, 2.0
        rect = _rect_down(d.rect)
        while _area(rect) > chip_area:
            rect = _rect_down(rect)
            depth += 1
            grow = grow * 2 + 2
        rotated = np.array([_rotate(d.center, p, d.angle) for p in _corners(d.rect)])
        (x0, y0), (x1, y1) = rotated.min(axis=0) - grow, rotated.max(axis=0) + grow
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width - 1), min(y1, height - 1)
        if x0 <= x1 and y0 <= y1:
            part = (_round(x0), _round(y0), _round(x1), _round(y1))
            box = part if box is None else (min(box[0], part[0]), min(box[1], part[1]),
                                            max(box[2], part[2]), max(box[3], part[3]))
        max_depth = max(max_depth, depth)
    if box is None:  # every chip lies outside the image: dlib gives black chips
        return torch.zeros((len(details), 3, size, size), dtype=torch.float32, device=image.device)
    crop = image[:, box[1]:box[3] + 1, box[0]:box[2] + 1]
    levels = [crop]
    for _ in range(max_depth):
        levels.append(pyramid_down2(levels[-1]))
    # One affine per chip, from chip pixels to its pyramid level; chips of the same level share one call.
    by_level: dict[int, list[tuple[int, np.ndarray]]] = {}
    last = size - 1
    for i, d in enumerate(details):
        left, top, right, bottom = d.rect
        rect = (left - box[0], top - box[1], right - box[0], bottom - box[1])
        level = 0
        while _area(_rect_down(rect)) > chip_area:
            level += 1
            rect = _rect_down(rect)
        center = np.array([(rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2])
        tl, tr, bl, _ = (_rotate(center, p, d.angle) for p in _corners(rect))
        affine = np.column_stack([(tr - tl) / last, (bl - tl) / last, tl])
        by_level.setdefault(level, []).append((i, affine))
    chips = torch.empty((len(details), 3, size, size), dtype=torch.float32, device=image.device)
    for level, items in by_level.items():
        index = torch.tensor([i for i, _ in items], device=image.device)
        chips[index] = _sample(levels[level], [a for _, a in items], size)
    return chips
