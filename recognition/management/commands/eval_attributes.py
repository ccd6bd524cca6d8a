"""Evaluate age and gender on UTKFace-style files, overall and per race, gender and age band.

    python manage.py eval_attributes --utkface DIR [--json OUT] [--split all|validation|train]

Each file goes through the serving path (detection, landmarks, chip and mirror descriptors and pooled network
features, the active attribute heads). ``--split validation`` keeps only the files the heads did not learn
from (the hash split of ``recognition.ml.attributes.utkface``); on a folder of other faces use the default
``all``.
"""

import json
import sys
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from beautyrec.core.management.base import EvaluationCommand
from beautyrec.core.registry import record_evaluation
from recognition.ml.attributes import metrics
from recognition.ml.attributes.utkface import scan
from recognition.services.attribute_datasets import describe_records
from recognition.services.attributes import heads_model_version, predict_age_gender


class Command(EvaluationCommand):
    recording_options = ("record",)
    help = "Age MAE and gender accuracy (all ages, adults, per group) on UTKFace-style files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--utkface", type=Path, required=True, help="folder of age_gender_race_*.jpg files")
        parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
        parser.add_argument("--split", choices=("all", "validation", "train"), default="all")
        parser.add_argument("--cache", type=Path, default=None,
                            help="descriptor cache (default: MODEL_ROOT/cache/utkface_descriptors.npz)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--record", action="store_true",
                            help="store the figures on the evaluated attribute_heads ModelVersion (shown on the "
                                 "admin dashboard) as metrics['utkface:<split>']")

    def handle(self, *args, **opts) -> None:
        directory: Path = opts["utkface"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        records = scan(directory)
        if opts["split"] != "all":
            records = [r for r in records if r.is_validation == (opts["split"] == "validation")]
        if not records:
            raise CommandError(f"no labelled UTKFace files in {directory} ({opts['split']})")
        cache = opts["cache"] or Path(settings.MODEL_ROOT) / "cache" / "utkface_descriptors.npz"
        with tqdm(total=len(records), desc="describe faces", unit="img", file=sys.stderr) as bar:
            described = describe_records(records, cache=cache, workers=opts["workers"], progress=bar.update)
        found = described.found
        mv = heads_model_version()
        predictions, _ = predict_age_gender(described.features[found], aux=described.aux[found], model_version=mv)
        kept = [r for r, f in zip(records, found, strict=True) if f]
        figures = metrics.evaluate(
            age_true=np.array([r.age for r in kept]), age_pred=np.array([p["age"]["years"] for p in predictions]),
            female=np.array([r.gender == "female" for r in kept]),
            p_female=np.array([p["gender"]["p_female"] for p in predictions]),
            race=np.array([r.race for r in kept]), no_face=int((~found).sum()),
        )
        races = {k: v for k, v in figures["by_group"].items() if k.startswith("race=")}
        worst_gender = min((k for k in races if races[k]["gender_accuracy_adults"] is not None),
                           key=lambda k: races[k]["gender_accuracy_adults"], default=None)
        worst_age = max(races, key=lambda k: races[k]["age_mae"], default=None)
        self.stdout.write(f"model {mv.kind}:{mv.version}, split {opts['split']}, {len(records)} files")
        self.stdout.write(json.dumps(figures, indent=2))
        self.stdout.write(f"worst race group: adult gender {worst_gender}, age MAE {worst_age}")
        if opts["json"]:
            opts["json"].parent.mkdir(parents=True, exist_ok=True)
            opts["json"].write_text(json.dumps(figures, indent=2))
        if opts["record"]:
            record_evaluation(mv, name=f"utkface:{opts['split']}", figures=figures)
