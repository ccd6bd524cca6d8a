"""Milliseconds per 640 px selfie for the analysis pipeline: detect + landmarks + chips + embedding + quality.

    .venv/bin/python bench/analyze.py [--repeats 5] [--threads 2] [--side 640]

The photos of ../shared/data/face_recognition_tests (or the test fixtures without it) are resized to
``--side`` px on the long side, decoded once; each is then analysed ``--repeats`` times with the service's
functions (HOG at native scale, 68- and 5-point landmarks, torch chips and flip-averaged embeddings on CPU,
quality), after one warm-up pass that loads the models. Prints p50/p90 over all runs and the p50 per stage.
The attributes that analysis adds afterwards (recognition.services.attributes) are not part of this figure.
"""

import argparse
import os
import time
from pathlib import Path

import django
import numpy as np
from PIL import Image

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")
os.environ.setdefault("ML_DEVICE", "cpu")
django.setup()

from beautyrec.core.images import to_rgb_array  # noqa: E402 - needs the settings above
from beautyrec.core.ml.runtime import configure_threads  # noqa: E402
from recognition.ml.quality import face_quality  # noqa: E402
from recognition.services.analysis import detect_faces  # noqa: E402
from recognition.services.embedding import describe_faces  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT.parent / "shared" / "data" / "face_recognition_tests", ROOT / "tests" / "fixtures")


def selfies(side: int) -> list[np.ndarray]:
    source = next(s for s in SOURCES if s.is_dir())
    images = []
    for path in sorted(p for p in source.iterdir() if p.suffix.lower() in (".jpg", ".png")):
        with Image.open(path) as img:
            img = img.convert("RGB")
            scale = side / max(img.size)
            images.append(to_rgb_array(img.resize((round(img.width * scale), round(img.height * scale)),
                                                  Image.Resampling.LANCZOS)))
    return images


def analyse(pixels: np.ndarray) -> dict[str, float]:
    t0 = time.perf_counter()
    faces = detect_faces(pixels)
    t1 = time.perf_counter()
    chips = describe_faces(pixels, faces).chips
    t2 = time.perf_counter()
    for face, chip in zip(faces, chips, strict=True):
        face_quality(chip, face.width, face.landmarks5)
    t3 = time.perf_counter()
    return {"detect+landmarks": t1 - t0, "chips+embed": t2 - t1, "quality": t3 - t2, "total": t3 - t0,
            "faces": len(faces)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--side", type=int, default=640)
    args = parser.parse_args()
    configure_threads(args.threads)
    images = selfies(args.side)
    for pixels in images:
        analyse(pixels)  # warm-up: loads the detector, predictors and the embedder
    runs = [analyse(pixels) for _ in range(args.repeats) for pixels in images]
    total = np.array([r["total"] for r in runs]) * 1000
    print(f"{len(images)} photos at {args.side} px, {args.repeats} runs each, {args.threads} threads, "
          f"faces per photo {[r['faces'] for r in runs[:len(images)]]}")
    print(f"per selfie: p50 {np.percentile(total, 50):.1f} ms   p90 {np.percentile(total, 90):.1f} ms")
    for stage in ("detect+landmarks", "chips+embed", "quality"):
        print(f"  {stage:18s} p50 {np.median([r[stage] for r in runs]) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
