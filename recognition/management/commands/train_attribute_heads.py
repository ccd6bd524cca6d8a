"""Train the age/gender heads on UTKFace-style files and register them as an ``attribute_heads`` ModelVersion.

    python manage.py train_attribute_heads --utkface ../shared/data/utkface [--ship] [--activate]

Files are split by a hash of their name (``recognition.ml.attributes.utkface``): the heads learn on the
training side and the figures printed and stored with the version are those of the validation side.
``--ship`` writes the file shipped inside the package (the default version the service registers).
"""

import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from beautyrec.core.management.base import TrainingCommand
from beautyrec.core.ml.runtime import configure_threads, resolve_device
from beautyrec.core.registry import register_model_version, resolve_uri
from recognition.ml.attributes import heads, metrics, training
from recognition.ml.attributes.utkface import scan
from recognition.services.attribute_datasets import describe_records
from recognition.services.attributes import KIND, SHIPPED_URI, SHIPPED_VERSION


class Command(TrainingCommand):
    help = "Train the age/gender attribute heads on UTKFace-style files (validation split held out)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--utkface", type=Path, required=True, help="folder of age_gender_race_*.jpg files")
        parser.add_argument("--model-version", default="", help="version name (default: a timestamp)")
        parser.add_argument("--ship", action="store_true",
                            help=f"write the package's shipped file and register it as {SHIPPED_VERSION}")
        parser.add_argument("--activate", action="store_true", help="make the new version the active one")
        parser.add_argument("--cache", type=Path, default=None,
                            help="descriptor cache (default: MODEL_ROOT/cache/utkface_descriptors.npz)")
        parser.add_argument("--workers", type=int, default=2, help="processes describing images")
        parser.add_argument("--epochs", type=int, default=training.TrainingConfig.epochs)
        parser.add_argument("--members", type=int, default=training.TrainingConfig.members)
        parser.add_argument("--hidden", type=int, default=training.TrainingConfig.hidden)
        parser.add_argument("--linear-weight", type=float, default=training.TrainingConfig.linear_weight,
                            help="share of the adult-trained linear head in the gender logit")
        parser.add_argument("--linear-c", type=float, default=training.TrainingConfig.linear_c,
                            help="inverse L2 strength of the linear gender head")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **opts) -> None:
        directory: Path = opts["utkface"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        records = scan(directory)
        if len(records) < 50:
            raise CommandError(f"{directory} holds {len(records)} labelled UTKFace files; need at least 50")
        cache = opts["cache"] or Path(settings.MODEL_ROOT) / "cache" / "utkface_descriptors.npz"
        with tqdm(total=len(records), desc="describe faces", unit="img", file=sys.stderr) as bar:
            described = describe_records(records, cache=cache, workers=opts["workers"], progress=bar.update)

        found = described.found
        validation = np.array([r.is_validation for r in records])
        age = np.array([r.age for r in records], dtype=np.float64)
        female = np.array([r.gender == "female" for r in records])
        race = np.array([r.race for r in records])
        train = found & ~validation
        val = found & validation
        self.stdout.write(f"{len(records)} files, faces found in {int(found.sum())}: "
                          f"{int(train.sum())} train, {int(val.sum())} validation")

        config = training.TrainingConfig(epochs=opts["epochs"], members=opts["members"], hidden=opts["hidden"],
                                         linear_weight=opts["linear_weight"], linear_c=opts["linear_c"],
                                         seed=opts["seed"])
        configure_threads(settings.ML_NUM_THREADS)
        device = resolve_device(settings.ML_DEVICE)
        started = time.monotonic()
        with tqdm(total=config.members * config.epochs, desc="train heads", unit="epoch", file=sys.stderr) as bar:
            model = training.fit(described.head_inputs(train), age[train], female[train], config, device,
                                 progress=lambda done, total: bar.update(done - bar.n))
        self.stdout.write(f"trained in {time.monotonic() - started:.0f} s")
        predicted = heads.predict(model, described.head_inputs(val), device)
        figures = metrics.evaluate(age_true=age[val], age_pred=predicted.age, female=female[val],
                                   p_female=predicted.p_female, race=race[val],
                                   no_face=int((validation & ~found).sum()))

        version = opts["model_version"] or time.strftime("utkface-mlp-%Y%m%d-%H%M%S")
        if opts["ship"]:
            version = SHIPPED_VERSION
        uri = SHIPPED_URI if opts["ship"] else f"attribute_heads/{version}.pt"
        path = resolve_uri(uri)
        command = "python manage.py train_attribute_heads " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        summary = {k: figures[k] for k in ("age_mae", "gender_accuracy", "gender_accuracy_adults",
                                           "worst_group_gender_accuracy_adults", "worst_group_age_mae", "faces")}
        heads.save(model, path, metadata={
            "version": version, "trained_on": "UTKFace (shared half), hash split, validation "
                                              f"{int(val.sum())} faces", "config": config.__dict__,
            "validation": summary, "train_faces": int(train.sum()), "seconds": round(time.monotonic() - started),
        })
        mv = register_model_version(kind=KIND, version=version, uri=uri, metrics={"validation": figures},
                                    training_command=command, activate=opts["activate"] or opts["ship"])
        self.stdout.write(json.dumps({"validation": summary}, indent=2))
        self.stdout.write(self.style.SUCCESS(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB) as {mv}"))
