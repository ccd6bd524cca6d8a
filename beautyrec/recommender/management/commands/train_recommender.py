"""Train the recommender on the service's own interactions and register (and activate) the new version.

    python manage.py train_recommender [--epochs 30] [--seed 0]

The same training runs nightly from Celery beat (``recommender.schedule_training`` -> a ``recommender.train``
job on the cpu queue).
"""

import json
import shlex
import sys

from beautyrec.core.management.base import TrainingCommand
from beautyrec.core.ml.runtime import configure_threads
from beautyrec.core.progress import percent_bar
from beautyrec.recommender.services.training import train_recommender_model


class Command(TrainingCommand):
    help = "Train sources, sequence model and re-ranker on all interactions; register and activate the version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--epochs", type=int, default=30, help="most SASRec epochs (early-stopped)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")

    def handle(self, *args, **options) -> None:
        configure_threads(options["threads"])
        command = "python manage.py train_recommender " + shlex.join(sys.argv[2:])
        with percent_bar("train recommender", verbosity=options["verbosity"]) as progress:
            mv = train_recommender_model(progress=progress, epochs=options["epochs"], seed=options["seed"],
                                         command=command.strip())
        self.stdout.write(json.dumps({"model_version": mv.version, "metrics": mv.metrics}, indent=2))
