"""Same person, different photos: spread of skin ITA and agreement of undertone and face-shape labels on LFW.

Usage: python bench/attributes_consistency.py [--lfw DIR] [--min-images 10] [--json OUT]
(default ../shared/data/lfw/images). For every identity with at least ``--min-images`` photos, each photo's
most central face is measured by ``recognition.services.attributes.measure_faces``. Printed per identity
and overall: the standard deviation of ITA (degrees), the share of photos that agree with the identity's
majority undertone and face-shape label, and the same restricted to confident measurements.
"""

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

import django
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")
django.setup()

from PIL import Image  # noqa: E402

from recognition.services.attributes import measure_faces  # noqa: E402
from recognition.services.detection import find_faces  # noqa: E402


def central_face(pixels: np.ndarray):
    faces = find_faces(pixels)
    if not faces:
        return None
    centre = np.array(pixels.shape[1::-1]) / 2
    return min(faces, key=lambda f: float(np.hypot(*((f.box[:2] + f.box[2:]) / 2 - centre))))


def agreement(labels: list[str]) -> float:
    return Counter(labels).most_common(1)[0][1] / len(labels) if labels else float("nan")


def main() -> None:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lfw" / "images"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lfw", type=Path, default=default)
    parser.add_argument("--min-images", type=int, default=10)
    parser.add_argument("--min-confidence", type=float, default=0.5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    people = sorted(d for d in args.lfw.iterdir() if d.is_dir() and len(list(d.glob("*.jpg"))) >= args.min_images)
    rows, per_person = [], {}
    for person in people:
        measured = []
        for path in sorted(person.glob("*.jpg")):
            pixels = np.asarray(Image.open(path).convert("RGB"))
            face = central_face(pixels)
            if face is None:
                continue
            attrs = measure_faces(pixels, [face])[0]
            measured.append(attrs)
            rows.append({"person": person.name, "file": path.name, **{
                k: attrs[k] for k in ("skin", "undertone", "face_shape")}})
        skin_ok = [a for a in measured if a["skin"].get("available", True)]
        confident = [a for a in skin_ok if a["skin"]["confidence"] >= args.min_confidence]
        shapes = [a["face_shape"]["label"] for a in measured if "label" in a["face_shape"]]
        confident_shapes = [a["face_shape"]["label"] for a in measured
                            if a["face_shape"].get("confidence", 0) >= args.min_confidence]
        per_person[person.name] = {
            "photos": len(measured),
            "ita_std": float(np.std([a["skin"]["ita"] for a in skin_ok])) if skin_ok else float("nan"),
            "ita_std_confident": float(np.std([a["skin"]["ita"] for a in confident])) if len(confident) > 1
            else float("nan"),
            "undertone_agreement": agreement([a["undertone"]["label"] for a in skin_ok]),
            "undertone_agreement_confident": agreement([a["undertone"]["label"] for a in confident]),
            "face_shape_agreement": agreement(shapes),
            "face_shape_agreement_confident": agreement(confident_shapes),
            "majority_shape": Counter(shapes).most_common(1)[0][0] if shapes else None,
        }
    print(f"{'person':<28}{'n':>4}{'ITA sd':>8}{'undertone':>11}{'shape':>8}  majority shape")
    for name, p in per_person.items():
        print(f"{name:<28}{p['photos']:>4}{p['ita_std']:>8.2f}{p['undertone_agreement']:>11.2f}"
              f"{p['face_shape_agreement']:>8.2f}  {p['majority_shape']}")
    summary = {key: float(np.nanmean([p[key] for p in per_person.values()])) for key in (
        "ita_std", "ita_std_confident", "undertone_agreement", "undertone_agreement_confident",
        "face_shape_agreement", "face_shape_agreement_confident")}
    summary["identities"] = len(per_person)
    summary["photos"] = sum(p["photos"] for p in per_person.values())
    shape_counts = Counter(r["face_shape"].get("label") for r in rows)
    print(json.dumps(summary, indent=2))
    print("face-shape labels over all photos:", dict(shape_counts))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "people": per_person, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
