"""Reference-look transfer figures for both methods (the GAN and the analytic renderer path) side by side.

Every face in --faces gets the look of every reference in --references (same-named files skipped). Writes
{"gan": {...}, "analytic": {...}}, each with "lip_de2000_to_reference", "eye_de2000_to_reference" and
"cheek_de2000_to_reference" (CIEDE2000 between the median CIELAB of the output's and the reference's lips /
eyelids / cheeks, where blush goes), "identity_distance" (dlib distance between output and face) and
"ms_per_image" (one transfer, landmarks excluded). The untouched face, measured the same way, is printed as the
baseline. --faces-pattern/--references-pattern pick files when both sit in one folder (MT: "*non-makeup*" and
"*_makeup_*"). --panel draws face / reference / analytic / GAN for six pairs.
"""

import json
import sys
from pathlib import Path

import numpy as np
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from beautyrec.core.management.base import EvaluationCommand
from gan.ml import renderer
from gan.ml.analytic import analytic_look
from gan.services.evaluation import evaluate_transfer, face_crop, image_files, load_faces, save_panel
from gan.services.makeup_gan import transfer_model, transfer_model_version

PANEL_PAIRS = 6


def analytic(image: np.ndarray, landmarks: np.ndarray, reference: np.ndarray,
             reference_landmarks: np.ndarray) -> np.ndarray:
    """The analytic method: the reference's measured region colours through the exact renderer."""
    return renderer.render(image, landmarks, analytic_look(reference, reference_landmarks, image, landmarks)).image


class Command(EvaluationCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--faces", required=True, type=Path, help="folder of faces to make up")
        parser.add_argument("--references", required=True, type=Path, help="folder of made-up reference faces")
        parser.add_argument("--faces-pattern", default="*")
        parser.add_argument("--references-pattern", default="*")
        parser.add_argument("--json", type=Path, help="also write the figures to this file")
        parser.add_argument("--panel", type=Path, help="write a face / reference / analytic / gan JPEG here")

    def handle(self, *args, **options) -> None:
        face_paths = image_files(options["faces"], options["faces_pattern"])
        ref_paths = image_files(options["references"], options["references_pattern"])
        if not face_paths or not ref_paths:
            raise CommandError("no faces or no references found")
        faces, missing = load_faces(tqdm(face_paths, desc="faces", file=sys.stderr))
        references, missing_refs = load_faces(tqdm(ref_paths, desc="references", file=sys.stderr))
        if missing or missing_refs:
            self.stderr.write(f"no face found in: {', '.join(missing + missing_refs)}")
        if not faces or not references:
            raise CommandError("no face found in the faces or the references")
        model = transfer_model()
        pairs = sum(1 for f in faces for r in references if r.name != f.name)
        with tqdm(total=pairs, desc="transfer", file=sys.stderr) as bar:
            figures = evaluate_transfer(faces, references, {"gan": model, "analytic": analytic},
                                        progress=bar.update)
        baseline = figures.pop("untouched")
        mv = transfer_model_version()
        self.stderr.write(f"{len(faces)} faces x {len(references)} references = {pairs} pairs; "
                          f"gan model {mv['kind']}:{mv['version']}; untouched baseline: {json.dumps(baseline)}")
        if options["panel"]:
            rows = []
            for face, ref in zip(faces[:PANEL_PAIRS], references[::max(1, len(references) // PANEL_PAIRS)],
                                 strict=False):
                lm, ref_lm = face.face.landmarks68, ref.face.landmarks68
                crop = face_crop(face.pixels, lm)
                rows.append([crop(face.pixels), face_crop(ref.pixels, ref_lm)(ref.pixels),
                             crop(analytic(face.pixels, lm, ref.pixels, ref_lm)),
                             crop(model(face.pixels, lm, ref.pixels, ref_lm))])
            save_panel(rows, options["panel"])
        text = json.dumps(figures, indent=2)
        self.stdout.write(text)
        if options["json"]:
            options["json"].write_text(text + "\n")
