"""Evaluate the sequence model against popularity and tuned item-kNN on a ``user item item ...`` file.

    python manage.py eval_recommender --dataset ../shared/data/recsys/Toys_and_Games.txt [--json OUT]

Leave-one-out: last item = test, second-to-last = validation (early stopping, kNN grid, blend weight); every
item is ranked, the user's history removed. Like the test-time kNN, the model is then refitted on all but the
last item for the chosen number of epochs (``--no-refit`` scores the early-stopped model instead). Prints and
writes {"model", "popularity", "item_knn", "train_seconds", "users", "items"}; the chosen settings go to stderr.
"""

import json
import time
from pathlib import Path

from django.core.management.base import CommandError

from beautyrec.core.management.base import EvaluationCommand
from beautyrec.core.ml.runtime import configure_threads
from beautyrec.recommender.ml.benchmark import run_benchmark
from beautyrec.recommender.ml.sasrec import SasRecConfig
from beautyrec.recommender.ml.sequences import KnnParams, load_sequences


class Command(EvaluationCommand):
    help = "Full-ranking leave-one-out evaluation: model vs popularity vs item-kNN (HR/NDCG@5/10/20)."

    def add_arguments(self, parser) -> None:
        defaults = SasRecConfig()
        parser.add_argument("--dataset", type=Path, required=True, help="one line per user: user item item ...")
        parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
        parser.add_argument("--dim", type=int, default=defaults.dim)
        parser.add_argument("--layers", type=int, default=defaults.layers)
        parser.add_argument("--dropout", type=float, default=defaults.dropout)
        parser.add_argument("--lr", type=float, default=defaults.lr)
        parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
        parser.add_argument("--negatives", type=int, default=defaults.negatives,
                            help="sampled-softmax negatives (0: softmax over all items)")
        parser.add_argument("--max-epochs", type=int, default=defaults.max_epochs)
        parser.add_argument("--patience", type=int, default=defaults.patience)
        parser.add_argument("--time-budget", type=float, default=defaults.time_budget_s,
                            help="stop training after this many seconds (best epoch so far is kept)")
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--knn", default="", metavar="ALPHA,SHRINK,NEIGHBOURS,DECAY",
                            help="skip the kNN grid search and use these (e.g. chosen on validation by a previous run)")
        parser.add_argument("--no-refit", action="store_true",
                            help="score the test with the early-stopped model (trained without validation items) "
                                 "instead of retraining it on all but the last item")
        parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")

    def handle(self, *args, **options) -> None:
        configure_threads(options["threads"])
        try:
            data = load_sequences(options["dataset"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['dataset']}: {exc}") from exc
        config = SasRecConfig(dim=options["dim"], layers=options["layers"], dropout=options["dropout"],
                              lr=options["lr"], batch_size=options["batch_size"], negatives=options["negatives"],
                              max_epochs=options["max_epochs"], patience=options["patience"],
                              time_budget_s=options["time_budget"], seed=options["seed"])
        started = time.perf_counter()
        knn = None
        if options["knn"]:
            try:
                alpha, shrink, neighbours, decay = options["knn"].split(",")
                knn = KnnParams(alpha=float(alpha), shrink=float(shrink), neighbours=int(neighbours),
                                decay=float(decay))
            except ValueError as exc:
                raise CommandError(f"--knn needs ALPHA,SHRINK,NEIGHBOURS,DECAY: {exc}") from exc
        result, details, _ = run_benchmark(data, config, log=lambda line: self.stderr.write(line),
                                           refit=not options["no_refit"], knn_params=knn)
        details["wall_seconds"] = round(time.perf_counter() - started, 1)
        self.stderr.write("settings: " + json.dumps(details))
        text = json.dumps(result, indent=2)
        if options["json"]:
            options["json"].write_text(text + "\n")
        self.stdout.write(text)
