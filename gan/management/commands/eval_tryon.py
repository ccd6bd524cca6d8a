"""Try-on renderer figures on real faces: a fixed panel of eight real lipstick shades plus one full look per face.

Writes {"lip_de2000_mean", "lip_de2000_p95", "outside_mask_max_abs_diff", "identity_distance_mean",
"lip_mask_iou", "ms_per_render", "faces"}: CIEDE2000 between the median CIELAB of the rendered lips and the shade
(opaque matte lipstick, intensity 1.0); the largest 8-bit change outside the masks grown by 2 px; dlib
distance between each render and the untouched face; IoU of the landmark lip mask with MT parsing maps (labels
12 and 13) when --segs is given; milliseconds per lipstick render at 512 px (landmarks excluded).
"""

import json
import sys
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from beautyrec.core.management.base import EvaluationCommand
from gan.services.evaluation import evaluate_tryon, image_files, load_faces, save_panel, tryon_panel_rows


class Command(EvaluationCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--images", required=True, type=Path, help="folder of face photos")
        parser.add_argument("--segs", type=Path, help="folder of MT-style parsing maps (same names or _seg1_)")
        parser.add_argument("--json", type=Path, help="also write the figures to this file")
        parser.add_argument("--panel", type=Path, help="write a before/after JPEG of the first faces here")

    def handle(self, *args, **options) -> None:
        paths = image_files(options["images"])
        if not paths:
            raise CommandError(f"no images in {options['images']}")
        faces, missing = load_faces(tqdm(paths, desc="landmarks", file=sys.stderr))
        if missing:
            self.stderr.write(f"no face found in {len(missing)} image(s): {', '.join(missing)}")
        if not faces:
            raise CommandError("no face found in any image")
        with tqdm(total=len(faces), desc="render", file=sys.stderr) as bar:
            figures = evaluate_tryon(faces, options["segs"], progress=bar.update)
        if options["panel"]:
            save_panel(tryon_panel_rows(faces[::max(1, len(faces) // 4)][:4]), options["panel"])
        text = json.dumps(figures, indent=2)
        self.stdout.write(text)
        if options["json"]:
            options["json"].write_text(text + "\n")
