"""Milliseconds per try-on render at 512 px, per category and for a whole look, landmarks excluded.

    .venv/bin/python bench/previews.py [--repeats 20] [--side 512] [--face-crop]

The fixture portrait (tests/fixtures/obama.jpg) is resized to ``--side`` px on its long side (with
``--face-crop``, a square of twice the face width around the face is cut first, so the face fills the frame:
a ~256 px face in 512 px) and landmarked once; each category's render (one real shade, its default finish)
and the full look of ``eval_tryon`` then run ``--repeats`` times after a warm-up. Prints the median and p90
per render; the issue's target is 30 ms.
"""

import argparse
import os
import time
from pathlib import Path

import django
import numpy as np
from PIL import Image

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")
django.setup()

from gan.ml import renderer  # noqa: E402 - needs the settings above
from gan.services.evaluation import EvalFace, full_look  # noqa: E402
from recognition.services.analysis import detect_faces  # noqa: E402

SHADES = {"foundation": "#cc9f7d", "concealer": "#e4c2b0", "powder": "#deb294", "bronzer": "#8a5a3a",
          "blush": "#e06c68", "highlighter": "#f3e2cf", "eyeshadow": "#7a4a6a", "eyeliner": "#161212",
          "mascara": "#0f0d0d", "brow": "#3b2a20", "lip_liner": "#7a2030", "lipstick": "#b22146",
          "lip_gloss": "#d62352"}


def timed(fn, repeats: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times)), float(np.percentile(times, 90))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--face-crop", action="store_true", help="fill the frame with the face first")
    args = parser.parse_args()
    image = Image.open(Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "obama.jpg").convert("RGB")
    if args.face_crop:
        found = max(detect_faces(np.asarray(image)), key=lambda f: f.area)
        cx, cy = (found.box[0] + found.box[2]) / 2, (found.box[1] + found.box[3]) / 2
        image = image.crop((int(cx - found.width), int(cy - found.width), int(cx + found.width),
                            int(cy + found.width)))
        image = image.resize((args.side, args.side), Image.BILINEAR)
    image.thumbnail((args.side, args.side), Image.BILINEAR)
    pixels = np.asarray(image)
    face = max(detect_faces(pixels), key=lambda f: f.area)
    lm = face.landmarks68
    print(f"{pixels.shape[1]}x{pixels.shape[0]} px, face {face.width:.0f} px wide, {args.repeats} repeats")
    for category, shade in SHADES.items():
        item = renderer.MakeupItem.from_hex(category, shade)
        p50, p90 = timed(lambda item=item: renderer.render(pixels, lm, [item]), args.repeats)
        print(f"{category:12s} p50 {p50:6.2f} ms  p90 {p90:6.2f} ms")
    look = full_look(EvalFace("obama", pixels, face))
    p50, p90 = timed(lambda: renderer.render(pixels, lm, look), args.repeats)
    print(f"{'full look':12s} p50 {p50:6.2f} ms  p90 {p90:6.2f} ms  ({len(look)} items)")


if __name__ == "__main__":
    main()
