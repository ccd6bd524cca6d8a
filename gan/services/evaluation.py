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
# Nine real foundation shades from ../shared/data/catalog/foundation_shades.csv spread over lightness (Beautyblender
# Neutral, bareMinerals Warm Deep 5, Bobbi Brown Neutral Chestnut, Armani Light Glow, L'Oreal True Beige, Catrice
# Cool Cashmere, ILIA Bedarra, bareMinerals Flax, Tarte Fair Neutral): each face wears the closest, as a shade
# match would give it.
FOUNDATIONS: Final = ("#3a2115", "#9a583d", "#af7263", "#c88c7b", "#cc9f7d", "#dea682", "#deb294", "#e4c2b0",
                      "#edcdb5")
# A whole look, for the untouched-pixel and identity checks: every region at once (foundation matched per face).
FULL_LOOK: Final = (("concealer", "#e4c2b0", "natural"),
                    ("bronzer", "#8a5a3a", "matte"), ("blush", "#d9707a", "satin"),
                    ("highlighter", "#f3e2cf", "shimmer"), ("eyeshadow", "#7a4a6a", "shimmer"),
                    ("eyeliner", "#161212", "matte"), ("mascara", "#0f0d0d", "matte"), ("brow", "#3b2a20", "matte"),
                    ("lip_liner", "#7a2030", "matte"), ("lipstick", "#b22146", "satin"))
TIMING_SIDE: Final = 512
LIP_SEG_LABELS: Final = (12, 13)
MEASURED: Final = ("lips", "eyelids", "cheeks")  # the regions eval_makeup_transfer compares with the reference


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
    for face in faces:
        lm = face.face.landmarks68
        renders = [renderer.render(face.pixels, lm, [item]) for item in panel]
        renders.append(renderer.render(face.pixels, lm, full_look(face)))
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


def full_look(face: EvalFace) -> list[renderer.MakeupItem]:
    """:data:`FULL_LOOK` with the foundation of :data:`FOUNDATIONS` closest to the face's own skin."""
    skin = renderer.region_colours(face.pixels, face.face.landmarks68, ["skin"])["skin"]
    labs = np.array([colour.hex_to_lab(h) for h in FOUNDATIONS])
    foundation = labs[int(np.argmin(colour.ciede2000(labs, skin[None, :])))]
    return [renderer.MakeupItem("foundation", foundation.astype(np.float32), finish="natural", coverage=0.55),
            *(renderer.MakeupItem.from_hex(c, h, finish=f) for c, h, f in FULL_LOOK)]


def tryon_panel_rows(faces: list[EvalFace]) -> list[list[np.ndarray]]:
    """Per face: untouched, three panel lipsticks (matte), and the full look."""
    rows = []
    for face in faces:
        lm = face.face.landmarks68
        crop = face_crop(face.pixels, lm)
        renders = [renderer.render(face.pixels, lm, [renderer.MakeupItem.from_hex("lipstick", h, finish="matte")])
                   .image for h in PANEL_SHADES[1:7:2]]
        rows.append([crop(face.pixels), *(crop(r) for r in renders),
                     crop(renderer.render(face.pixels, lm, full_look(face)).image)])
    return rows


def face_crop(pixels: np.ndarray, landmarks: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Cuts the same square around the face from any version of the photo."""
    lo, hi = landmarks.min(axis=0), landmarks.max(axis=0)
    side = 1.5 * float(max(hi - lo))
    cx, cy = (lo + hi) / 2 - [0, 0.1 * side]
    top, left = int(max(0, cy - side / 2)), int(max(0, cx - side / 2))
    bottom, right = int(min(pixels.shape[0], cy + side / 2)), int(min(pixels.shape[1], cx + side / 2))
    return lambda image: np.ascontiguousarray(image[top:bottom, left:right])


def region_lab(image: np.ndarray, landmarks: np.ndarray, region: str, teeth_from: np.ndarray) -> np.ndarray:
    """Median CIELAB of a region's hard mask (for lips, without pixels that were teeth-like in ``teeth_from``)."""
    if region == "lips":
        return lip_lab(image, landmarks, teeth_from)
    mask = renderer.region_mask(landmarks, region, image.shape[:2])
    return np.median(renderer.rgb_to_lab(image[mask.window][mask.hard]), axis=0)


Method = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def evaluate_transfer(faces: list[EvalFace], references: list[EvalFace], methods: dict[str, Method],
                      progress: Callable[[int], None] | None = None) -> dict[str, dict[str, Any]]:
    """For each method over every (face, reference) pair: lip, eyelid and cheek (blush) CIEDE2000 between the
    output and the reference, dlib identity distance between the output and the face, and milliseconds per
    transfer. The untouched face is measured the same way under ``untouched`` (the baseline a method must beat)."""
    names = ["untouched", *methods]
    lips: dict[str, list[float]] = {n: [] for n in names}
    eyes: dict[str, list[float]] = {n: [] for n in names}
    cheeks: dict[str, list[float]] = {n: [] for n in names}
    identity: dict[str, list[float]] = {n: [] for n in names}
    times: dict[str, list[float]] = {n: [] for n in names}
    if faces and references:  # first calls pay for lazy set-up (thread pools, allocator): not timed
        for method in methods.values():
            method(faces[0].pixels, faces[0].face.landmarks68, references[0].pixels,
                   references[0].face.landmarks68)
    ref_colours = [tuple(region_lab(r.pixels, r.face.landmarks68, region, r.pixels) for region in MEASURED)
                   for r in references]
    for face in faces:
        lm = face.face.landmarks68
        for ref, (ref_lips, ref_eyes, ref_cheeks) in zip(references, ref_colours, strict=True):
            if ref.name == face.name:
                continue
            outputs = {"untouched": face.pixels}
            for name, method in methods.items():
                start = time.perf_counter()
                outputs[name] = method(face.pixels, lm, ref.pixels, ref.face.landmarks68)
                times[name].append((time.perf_counter() - start) * 1000)
            distances = identity_distances(face.pixels, [outputs[n] for n in names], face.face)
            for name, image, distance in zip(names, (outputs[n] for n in names), distances, strict=True):
                lips[name].append(float(colour.ciede2000(region_lab(image, lm, "lips", face.pixels), ref_lips)))
                eyes[name].append(float(colour.ciede2000(region_lab(image, lm, "eyelids", face.pixels), ref_eyes)))
                cheeks[name].append(float(colour.ciede2000(region_lab(image, lm, "cheeks", face.pixels), ref_cheeks)))
                identity[name].append(float(distance))
            if progress is not None:
                progress(1)
    return {name: {"lip_de2000_to_reference": round(float(np.mean(lips[name])), 3),
                   "eye_de2000_to_reference": round(float(np.mean(eyes[name])), 3),
                   "cheek_de2000_to_reference": round(float(np.mean(cheeks[name])), 3),
                   "identity_distance": round(float(np.mean(identity[name])), 4),
                   "ms_per_image": round(float(np.mean(times[name])), 2) if times[name] else 0.0}
            for name in names}


def save_panel(rows: list[list[np.ndarray]], path: Path, cell: int = 256) -> None:
    """A JPEG grid of equally sized cells (each image letterboxed into a square), for the README."""
    grid = Image.new("RGB", (cell * max(len(r) for r in rows), cell * len(rows)), (255, 255, 255))
    for y, row in enumerate(rows):
        for x, image in enumerate(row):
            picture = Image.fromarray(image)
            picture.thumbnail((cell, cell), Image.LANCZOS)
            grid.paste(picture, (x * cell + (cell - picture.width) // 2, y * cell + (cell - picture.height) // 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.save(path, quality=90)
