"""Colour-cast invariance and confidence under bad conditions for the measured skin colour.

Usage: python bench/attributes_robustness.py [--lfw DIR] [--faces 60]

Casts: per-channel gains on the 8-bit photo (warm: R x1.1, B x0.9; cool: the reverse; each channel x1.1
and x0.9). For each face, the skin CIELAB measured on the cast photo is compared (CIEDE2000) with the one
measured on the original, with the white-balance step and without it. Degradations: downscaled (smaller
face), Gaussian blur, darkened (x0.25 exposure): the mean skin confidence is printed for each.
"""

import argparse
import os
import sys
from pathlib import Path

import django
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")
django.setup()

from PIL import Image, ImageFilter  # noqa: E402

from beautyrec.core import colour  # noqa: E402
from recognition.ml.attributes import skin, white_balance  # noqa: E402
from recognition.services.detection import find_faces  # noqa: E402

CASTS = {
    "warm": (1.1, 1.0, 0.9), "cool": (0.9, 1.0, 1.1),
    "R+10%": (1.1, 1.0, 1.0), "R-10%": (0.9, 1.0, 1.0), "G+10%": (1.0, 1.1, 1.0), "G-10%": (1.0, 0.9, 1.0),
    "B+10%": (1.0, 1.0, 1.1), "B-10%": (1.0, 1.0, 0.9),
}


def cast(pixels: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    return np.clip(np.rint(pixels * np.array(gains)), 0, 255).astype(np.uint8)


def sample_faces(lfw: Path, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """One photo per LFW identity (the first with a face), in name order, up to ``count``."""
    out = []
    for person in sorted(d for d in lfw.iterdir() if d.is_dir()):
        for path in sorted(person.glob("*.jpg")):
            pixels = np.asarray(Image.open(path).convert("RGB"))
            faces = find_faces(pixels)
            if faces:
                out.append((pixels, faces[0].landmarks68 if faces[0].landmarks68 is not None
                            else faces[0].landmarks5))
                break
        if len(out) >= count:
            break
    return out


def main() -> None:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lfw" / "images"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lfw", type=Path, default=default)
    parser.add_argument("--faces", type=int, default=60)
    args = parser.parse_args()
    faces = sample_faces(args.lfw, args.faces)
    with_wb: dict[str, list[float]] = {k: [] for k in CASTS}
    without_wb: dict[str, list[float]] = {k: [] for k in CASTS}
    for pixels, landmarks in faces:
        base = skin.measure(pixels, landmarks, white_balance.estimate(pixels))
        base_raw = skin.measure(pixels, landmarks, white_balance.NEUTRAL)
        if base is None or base_raw is None:
            continue
        for name, gains in CASTS.items():
            tinted = cast(pixels, gains)
            balanced = skin.measure(tinted, landmarks, white_balance.estimate(tinted))
            raw = skin.measure(tinted, landmarks, white_balance.NEUTRAL)
            if balanced is not None and raw is not None:
                with_wb[name].append(float(colour.ciede2000(balanced.lab, base.lab)))
                without_wb[name].append(float(colour.ciede2000(raw.lab, base_raw.lab)))
    print(f"colour-cast invariance over {len(faces)} LFW faces: mean CIEDE2000 of the skin Lab vs the original")
    print(f"{'cast':<8}{'with white balance':>20}{'without':>10}")
    for name in CASTS:
        print(f"{name:<8}{np.mean(with_wb[name]):>20.2f}{np.mean(without_wb[name]):>10.2f}")
    overall = float(np.mean([v for values in with_wb.values() for v in values]))
    overall_raw = float(np.mean([v for values in without_wb.values() for v in values]))
    print(f"{'mean':<8}{overall:>20.2f}{overall_raw:>10.2f}   (target < 3 with white balance)")

    print("\nmean skin confidence under degradations")
    conditions = {
        "original": lambda p: (p, 1.0),
        "half size": lambda p: (np.asarray(Image.fromarray(p).resize((p.shape[1] // 2, p.shape[0] // 2))), 0.5),
        "quarter size": lambda p: (np.asarray(Image.fromarray(p).resize((p.shape[1] // 4, p.shape[0] // 4))), 0.25),
        "blur r=2": lambda p: (np.asarray(Image.fromarray(p).filter(ImageFilter.GaussianBlur(2))), 1.0),
        "blur r=4": lambda p: (np.asarray(Image.fromarray(p).filter(ImageFilter.GaussianBlur(4))), 1.0),
        "dark x0.25": lambda p: (cast(p, (0.25, 0.25, 0.25)), 1.0),
        "dark x0.1": lambda p: (cast(p, (0.1, 0.1, 0.1)), 1.0),
    }
    for name, degrade in conditions.items():
        scores = []
        for pixels, landmarks in faces:
            changed, scale = degrade(pixels)
            measured = skin.measure(changed, landmarks * scale, white_balance.estimate(changed))
            scores.append(measured.confidence if measured is not None else 0.0)
        print(f"{name:<14}{np.mean(scores):.3f}")


if __name__ == "__main__":
    main()
