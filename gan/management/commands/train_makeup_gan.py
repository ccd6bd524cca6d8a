"""Train the reference-look makeup GAN on renderer pseudo-pairs of real faces and real makeup photos.

Resumable: the training state is saved every --checkpoint-every steps under MODEL_ROOT/makeup_gan/ and a rerun
with the same --model-version continues from it (--restart starts over). The finished generator is saved (fp16) and
registered as a `makeup_gan` model version with its hold-out metrics and this command line; --activate makes
serving use it. --output writes the checkpoint to a given path instead (how the shipped default was made).
ML_DEVICE chooses the device (cuda on a GPU worker).
"""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandParser
from tqdm import tqdm

from beautyrec.core.management.base import TrainingCommand
from gan.ml.training import TrainConfig
from gan.services.makeup_gan import run_training


class Command(TrainingCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = TrainConfig()
        parser.add_argument("--model-version", default="trained-v1", help="model version name (and resume key)")
        parser.add_argument("--steps", type=int, default=defaults.steps)
        parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
        parser.add_argument("--lr", type=float, default=defaults.lr)
        parser.add_argument("--width", type=int, default=defaults.width, help="generator base channels")
        parser.add_argument("--faces", type=int, default=600, help="real faces to draw (UTKFace 3/4, LFW 1/4)")
        parser.add_argument("--real-photos", type=int, default=400,
                            help="UTKFace photos of women (not training faces) for the discriminator's real class")
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
        parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch default)")
        parser.add_argument("--data-dir", type=Path, default=Path(settings.SHARED_DATA_DIR))
        parser.add_argument("--output", type=Path, help="write the checkpoint here instead of MODEL_ROOT")
        parser.add_argument("--activate", action="store_true", help="serve this version from now on")
        parser.add_argument("--restart", action="store_true", help="ignore a saved training state")

    def handle(self, *args, **options) -> None:
        config = TrainConfig(steps=options["steps"], batch_size=options["batch_size"], lr=options["lr"],
                             width=options["width"], seed=options["seed"],
                             checkpoint_every=options["checkpoint_every"])
        bars: dict[str, tqdm] = {}

        def progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, desc=stage, file=sys.stderr, initial=done - 1)
            bar.update(done - bar.n)

        mv = run_training(config=config, data_dir=options["data_dir"], faces=options["faces"],
                          version=options["model_version"], activate=options["activate"],
                          real_photos=options["real_photos"], output=options["output"],
                          resume=not options["restart"], threads=options["threads"], progress=progress)
        for bar in bars.values():
            bar.close()
        self.stdout.write(f"registered {mv.kind}:{mv.version} ({mv.uri}) metrics={mv.metrics}")
