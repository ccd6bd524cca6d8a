"""Measurements behind ``eval_tryon`` and ``eval_makeup_transfer``: colour error, untouched pixels, identity.

Identity distance is dlib's metric: the euclidean distance between the raw 128-D descriptors (mirror-averaged,
not normalised) of the untouched and the rendered face, both cut with the untouched photo's 5 landmarks; dlib
calls two faces the same person below 0.6.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from PIL import Image

from beautyrec.core import colour
from beautyrec.core.images import decode_image
from gan.ml import renderer
from recognition.services.analysis import detect_faces
from recognition.services.detection import FoundFace
from recognition.services.embedding import embedder

IMAGE_SUFFIXES: Final = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
# The fixed panel: eight real lipstick shades from ../shared/data/catalog/lipsticks.json spread evenly over
# lightness (brand, series id): Dior 904, Givenchy N105, YSL 07, Givenchy 15, Dior 761, YSL 52, Givenchy 210,
# YSL 42.
PANEL_SHADES: Final = ("#391e1d", "#a82a40", "#cc2010", "#d43a29", "#e13d5d", "#ea4e59", "#ff4d89", "#efe9de")
# A whole look, for the untouched-pixel and identity checks: every region at once.
FULL_LOOK: Final = (("foundation", "#c49a7a", "natural"), ("concealer", "#d6b090", "natural"),
                    ("bronzer", "#8a5a3a", "matte"), ("blush", "#d9707a", "satin"),
                    ("highlighter", "#f3e2cf", "shimmer"), ("eyeshadow", "#7a4a6a", "shimmer"),
                    ("eyeliner", "#161212", "matte"), ("mascara", "#0f0d0d", "matte"), ("brow", "#3b2a20", "matte"),
                    ("lip_liner", "#7a2030", "matte"), ("lipstick", "#b22146", "satin"))
TIMING_SIDE: Final = 512
LIP_SEG_LABELS: Final = (12, 13)


@dataclass(frozen=True)
class EvalFace:
    name: str
    pixels: np.ndarray
    face: FoundFace


def image_files(directory: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in directory.glob(pattern) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def load_faces(paths: Iterable[Path]) -> tuple[list[EvalFace], list[str]]:
    """The largest face with 68 landmarks of each image; names of images without one."""
    found, missing = [], []
    for path in paths:
        pixels = decode_image(path.read_bytes()).pixels
        faces = sorted(detect_faces(pixels), key=lambda f: f.area, reverse=True)
        if faces and faces[0].landmarks68 is not None:
            found.append(EvalFace(path.name, pixels, faces[0]))
        else:
            missing.append(path.name)
    return found, missing


def descriptors(images: list[np.ndarray], face: FoundFace) -> np.ndarray:
    """Raw dlib descriptors (n, 128) of the same face position in several versions of one photo."""
    engine = embedder()
    return np.concatenate(engine.embed([(img, [face.landmarks5]) for img in images]))


def identity_distances(original: np.ndarray, edited: list[np.ndarray], face: FoundFace) -> np.ndarray:
    d = descriptors([original, *edited], face)
    return np.linalg.norm(d[1:] - d[0], axis=1)


def lip_lab(image: np.ndarray, landmarks: np.ndarray, teeth_from: np.ndarray) -> np.ndarray:
    """Median CIELAB of the lip mask, leaving out pixels that were teeth-like in ``teeth_from``."""
    mask = renderer.region_mask(landmarks, "lips", image.shape[:2])
    before = renderer.rgb_to_lab(teeth_from[mask.window][mask.hard])
    keep = renderer.teeth_weight(before, np.median(before, axis=0)) > 0.5
    after = renderer.rgb_to_lab(image[mask.window][mask.hard])
    return np.median(after[keep] if keep.sum() >= 10 else after, axis=0)


def seg_path(segs: Path, image_name: str) -> Path | None:
    """The parsing map of an image: same name, or the MT layout's ``..._images_...`` -> ``..._seg1_...``."""
    for name in (image_name, image_name.replace("_images_", "_seg1_")):
        path = segs / name
        if path.is_file():
            return path
    return None


def lip_iou(landmarks: np.ndarray, seg: np.ndarray) -> float:
    mask = renderer.region_mask(landmarks, "lips", seg.shape[:2]).full(seg.shape[:2])
    truth = np.isin(seg, LIP_SEG_LABELS)
    union = np.logical_or(mask, truth).sum()
    return float(np.logical_and(mask, truth).sum() / union) if union else 0.0


def _timed(fn: Callable[[], Any], repeats: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000


def render_time_ms(face: EvalFace, item: renderer.MakeupItem) -> float:
    """Milliseconds for one lipstick on the photo scaled to 512 px on its longer side (landmarks given)."""
    scale = TIMING_SIDE / max(face.pixels.shape[:2])
    size = (round(face.pixels.shape[1] * scale), round(face.pixels.shape[0] * scale))
    pixels = np.asarray(Image.fromarray(face.pixels).resize(size, Image.BILINEAR))
    landmarks = face.face.landmarks68 * scale
    return _timed(lambda: renderer.render(pixels, landmarks, [item]))


def evaluate_tryon(faces: list[EvalFace], segs: Path | None = None,
                   progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The issue's figures for the renderer over ``faces`` (see the eval_tryon command)."""
    de, outside, identity, ious, times = [], [], [], [], []
    panel = [renderer.MakeupItem.from_hex("lipstick", h, finish="matte", intensity=1.0) for h in PANEL_SHADES]
    look = [renderer.MakeupItem.from_hex(c, h, finish=f) for c, h, f in FULL_LOOK]
    for face in faces:
        lm = face.face.landmarks68
        renders = [renderer.render(face.pixels, lm, [item]) for item in panel]
        renders.append(renderer.render(face.pixels, lm, look))
        for item, out in zip(panel, renders, strict=False):
            de.append(float(colour.ciede2000(lip_lab(out.image, lm, face.pixels), item.lab)))
        for out in renders:
            diff = np.abs(out.image.astype(np.int16) - face.pixels.astype(np.int16)).max(axis=-1)
            outside.append(int(diff[~out.touched(dilate=2)].max(initial=0)))
        identity.extend(identity_distances(face.pixels, [r.image for r in renders], face.face).tolist())
        if segs is not None and (path := seg_path(segs, face.name)) is not None:
            seg = np.asarray(Image.open(path))
            if seg.ndim == 3:
                seg = seg[..., 0]
            if seg.shape != face.pixels.shape[:2]:
                seg = np.asarray(Image.fromarray(seg).resize(face.pixels.shape[1::-1], Image.NEAREST))
            ious.append(lip_iou(lm, seg))
        times.append(render_time_ms(face, panel[1]))
        if progress is not None:
            progress(1)
    return {
        "lip_de2000_mean": round(float(np.mean(de)), 3) if de else None,
        "lip_de2000_p95": round(float(np.percentile(de, 95)), 3) if de else None,
        "outside_mask_max_abs_diff": max(outside) if outside else None,
        "identity_distance_mean": round(float(np.mean(identity)), 4) if identity else None,
        "lip_mask_iou": round(float(np.mean(ious)), 4) if ious else None,
        "ms_per_render": round(float(np.mean(times)), 2) if times else None,
        "faces": len(faces),
    }
