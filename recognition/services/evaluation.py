"""Shared pieces of the evaluation commands: embed image files the way the service does, and the metrics.

Face choice for research images: HOG upsampled once, the face nearest the image centre (the labelled
person is centred in LFW and AT&T); where HOG finds none, the MMOD CNN detector; where neither does, a
centred box of 42% of the shorter side, so every image still gets an embedding and misses count against
accuracy instead of being dropped.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from beautyrec.core.images import to_rgb_array
from beautyrec.core.ml.runtime import cached
from recognition.ml.landmarks import ShapePredictor
from recognition.ml.plain_dlib import PlainDlibPipeline
from recognition.services.cohort import ScoreCohort
from recognition.services.detection import find_faces
from recognition.services.embedding import embed_images
from recognition.services.matching import RESCORE_MARGIN

FALLBACK_BOX_FRACTION = 0.42
BATCH_IMAGES = 64


@dataclass
class EmbeddedFiles:
    embeddings: np.ndarray  # (n, 128) unit length
    no_face: np.ndarray  # (n,) bool: the centred fallback box was used
    seconds: float


def central_landmarks(pixels: np.ndarray) -> tuple[np.ndarray, bool]:
    """5-point landmarks of the face nearest the centre, or of a centred box; and whether it was the fallback."""
    height, width = pixels.shape[:2]
    centre = np.array([width / 2, height / 2])
    faces = find_faces(pixels, upsample=1, detector="hog") or find_faces(pixels, upsample=1, detector="mmod")
    if faces:
        nearest = min(faces, key=lambda f: float(np.linalg.norm((f.box[:2] + f.box[2:]) / 2 - centre)))
        return nearest.landmarks5, False
    half = FALLBACK_BOX_FRACTION * min(height, width) / 2
    box = np.array([centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half])
    predictor = cached(("shape", 5), lambda: ShapePredictor(5))
    return predictor(pixels, box), True


def embed_files(paths: Sequence[Path], *, flip: bool = True,
                on_batch: Callable[[int], None] | None = None) -> EmbeddedFiles:
    """Embeddings of the central face of each image file, computed in batches of images."""
    embeddings, missing = [], []
    started = time.perf_counter()
    for start in range(0, len(paths), BATCH_IMAGES):
        items = []
        for path in paths[start:start + BATCH_IMAGES]:
            with Image.open(path) as img:
                pixels = to_rgb_array(img)
            landmarks, fallback = central_landmarks(pixels)
            items.append((pixels, [landmarks]))
            missing.append(fallback)
        embeddings.extend(e[0] for e in embed_images(items, flip=flip))
        if on_batch:
            on_batch(len(items))
    return EmbeddedFiles(np.stack(embeddings) if embeddings else np.empty((0, 128), np.float32),
                         np.array(missing, dtype=bool), time.perf_counter() - started)


def embed_files_plain_dlib(paths: Sequence[Path], *,
                           on_batch: Callable[[int], None] | None = None) -> EmbeddedFiles:
    """Unit descriptors from the plain dlib pipeline (``recognition.ml.plain_dlib``); zero rows where HOG found
    no face (``no_face``)."""
    pipeline = cached(("plain-dlib",), PlainDlibPipeline)
    embeddings = np.zeros((len(paths), 128), np.float32)
    missing = np.zeros(len(paths), dtype=bool)
    started = time.perf_counter()
    for k, path in enumerate(paths):
        with Image.open(path) as img:
            descriptor = pipeline(to_rgb_array(img))
        if descriptor is None:
            missing[k] = True
        else:
            embeddings[k] = descriptor
        if on_batch and ((k + 1) % BATCH_IMAGES == 0 or k + 1 == len(paths)):
            on_batch((k % BATCH_IMAGES) + 1)
    return EmbeddedFiles(embeddings, missing, time.perf_counter() - started)


def open_set_figures(gallery: np.ndarray, probes: np.ndarray, truth: np.ndarray, *,
                     cohort: ScoreCohort | None = None, decision_threshold: float | None = None,
                     enrolled: np.ndarray | None = None, answered: np.ndarray | None = None) -> dict:
    """Open-set identification figures of unit ``probes`` (the first ``len(truth)`` genuine, whose gallery row
    is ``truth``; the rest impostors) against unit ``gallery`` rows.

    Ranked on cosine, or as the service ranks with a ``cohort``: the top candidates by cosine re-scored with
    AS-norm. ``enrolled`` masks gallery rows that could not be enrolled, ``answered`` probes that had no face.
    """
    similarities = probes @ gallery.T
    if enrolled is not None:
        similarities[:, ~enrolled] = -np.inf
    if cohort is None:
        top = similarities.argmax(axis=1)
        scores = similarities[np.arange(len(probes)), top]
    else:
        width = min(1 + RESCORE_MARGIN, gallery.shape[0])
        candidates = np.argpartition(-similarities, width - 1, axis=1)[:, :width]
        picked = np.take_along_axis(similarities, candidates, axis=1)
        normalised = cohort.scores(picked, cohort.stats(probes).column(), cohort.stats(gallery).take(candidates))
        normalised[~np.isfinite(picked)] = -np.inf
        best = normalised.argmax(axis=1)
        top = candidates[np.arange(len(probes)), best]
        scores = normalised[np.arange(len(probes)), best]
    if answered is not None:
        scores = np.where(answered, scores, -np.inf)
    n_genuine = len(truth)
    correct = (top[:n_genuine] == truth) & np.isfinite(scores[:n_genuine])
    genuine_scores, impostor_scores = scores[:n_genuine], scores[n_genuine:]
    # A genuine probe counts at a threshold only if its top-1 is right and above it.
    _, threshold = rate_at_false_rate(genuine_scores, impostor_scores, 0.01)
    figures = {
        "rank1": round(float(correct.mean()) if n_genuine else 0.0, 5),
        "tpir_at_fpir_0.01": round(float(np.mean(correct & (genuine_scores > threshold))) if n_genuine else 0.0, 5),
    }
    if decision_threshold is not None:
        accepted = impostor_scores >= decision_threshold
        figures["false_accept_rate_at_threshold"] = round(float(accepted.mean()) if len(accepted) else 0.0, 5)
    figures["probes"] = len(probes)
    figures["gallery"] = int(gallery.shape[0])
    figures["threshold_at_fpir_0.01"] = round(threshold, 4) if np.isfinite(threshold) else None
    return figures


def best_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    """The threshold (midpoint between sorted scores) with the highest accuracy on these pairs."""
    order = np.sort(np.unique(scores))
    candidates = np.concatenate([[order[0] - 1e-6], (order[:-1] + order[1:]) / 2, [order[-1] + 1e-6]])
    accuracies = [np.mean((scores >= t) == same) for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])


def ten_fold_accuracy(scores: np.ndarray, same: np.ndarray, folds: np.ndarray) -> tuple[float, float, list[float]]:
    """LFW protocol: per fold, the threshold chosen on the other folds scores this one; mean and std (ddof 0)."""
    accuracies, thresholds = [], []
    for fold in np.unique(folds):
        test = folds == fold
        threshold = best_threshold(scores[~test], same[~test])
        thresholds.append(threshold)
        accuracies.append(float(np.mean((scores[test] >= threshold) == same[test])))
    return float(np.mean(accuracies)), float(np.std(accuracies)), thresholds


def rate_at_false_rate(genuine: np.ndarray, impostor: np.ndarray, false_rate: float) -> tuple[float, float]:
    """(true rate, threshold) at the lowest threshold whose impostor acceptance is at most ``false_rate``.

    A score is accepted when it is strictly above the threshold; with n impostors, floor(n * false_rate)
    of them may be accepted.
    """
    if not len(impostor):
        return 1.0, float("-inf")
    allowed = int(np.floor(len(impostor) * false_rate + 1e-9))
    ranked = np.sort(impostor)[::-1]
    threshold = float(ranked[allowed]) if allowed < len(ranked) else float("-inf")
    return float(np.mean(genuine > threshold)) if len(genuine) else 0.0, threshold
