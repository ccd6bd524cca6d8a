"""LFW verification accuracy of the service's embedding (View 2 protocol: 10 folds, threshold from the other 9).

Prints and writes {"accuracy", "std", "tar_at_far_1e-3", "no_face", "pairs", "ms_per_image"}: mean and std
(ddof 0) of the 10 fold accuracies; TAR over all pairs where at most 0.1% of different-person pairs pass;
images where neither HOG nor the MMOD CNN found a face (a centred box was used instead); the pair count;
and the wall time per image of detection, landmarks, alignment and embedding (flip-averaged).
"""

import json
import sys
from pathlib import Path

import numpy as np
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from beautyrec.core.management.base import EvaluationCommand
from beautyrec.core.registry import record_evaluation
from recognition.services.embedding import embedding_model_version
from recognition.services.evaluation import embed_files, rate_at_false_rate, ten_fold_accuracy


def read_pairs(path: Path) -> tuple[list[tuple[str, int, str, int]], np.ndarray]:
    """Pairs and their fold numbers. ``folds n`` headers give folds of n same + n different pairs; a single
    count (View 1's files: all same-person pairs, then all different ones) is dealt round-robin into 10
    folds, so each holds both kinds."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    header, rows = lines[0], lines[1:]
    pairs = []
    for row in rows:
        if len(row) == 3:
            pairs.append((row[0], int(row[1]), row[0], int(row[2])))
        elif len(row) == 4:
            pairs.append((row[0], int(row[1]), row[2], int(row[3])))
        else:
            raise CommandError(f"bad pairs line: {' '.join(row)}")
    if len(header) == 2:
        folds, per_fold = int(header[0]), 2 * int(header[1])
        if folds * per_fold != len(pairs):
            raise CommandError(f"header says {folds} folds of {per_fold} pairs, file has {len(pairs)}")
        fold_of = np.repeat(np.arange(folds), per_fold)
    else:
        fold_of = np.arange(len(pairs)) % 10
    return pairs, fold_of


def image_path(images: Path, name: str, number: int) -> Path:
    return images / name / f"{name}_{number:04d}.jpg"


class Command(EvaluationCommand):
    recording_options = ("record",)
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pairs", required=True, type=Path, help="pairs.txt (View 2) or a View 1 pair list")
        parser.add_argument("--images", required=True, type=Path, help="DIR holding <name>/<name>_<NNNN>.jpg")
        parser.add_argument("--json", type=Path, help="also write the figures to this file")
        parser.add_argument("--record", action="store_true",
                            help="store the figures on the active embedding's ModelVersion (shown on the admin "
                                 "dashboard) as metrics['lfw:<pairs file name>']")

    def handle(self, *args, **options) -> None:
        images: Path = options["images"]
        pair_list, folds = read_pairs(options["pairs"])
        if not pair_list:
            raise CommandError("no pairs in the file")
        files = sorted({image_path(images, n, i) for a, ia, b, ib in pair_list for n, i in ((a, ia), (b, ib))})
        absent = [f for f in files if not f.is_file()]
        if absent:
            raise CommandError(f"{len(absent)} image(s) missing, e.g. {absent[0]}")
        if len(np.unique(folds)) < 2:  # each fold's threshold is chosen on the other folds' pairs
            raise CommandError(f"{len(pair_list)} pair(s) fill only one fold: the 10-fold protocol needs pairs "
                               "in at least two folds")
        with tqdm(total=len(files), desc="embedding", unit="img", file=sys.stderr) as bar:
            embedded = embed_files(files, on_batch=bar.update)
        row = {f: i for i, f in enumerate(files)}
        a = np.array([row[image_path(images, n, i)] for n, i, _, _ in pair_list])
        b = np.array([row[image_path(images, n, i)] for _, _, n, i in pair_list])
        scores = np.sum(embedded.embeddings[a] * embedded.embeddings[b], axis=1)
        same = np.array([p[0] == p[2] for p in pair_list])
        accuracy, std, thresholds = ten_fold_accuracy(scores, same, folds)
        tar, far_threshold = rate_at_false_rate(scores[same], scores[~same], 1e-3)
        figures = {
            "accuracy": round(accuracy, 5),
            "std": round(std, 5),
            "tar_at_far_1e-3": round(tar, 5),
            "no_face": int(embedded.no_face.sum()),
            "pairs": len(pair_list),
            "ms_per_image": round(1000 * embedded.seconds / len(files), 2),
        }
        self.stderr.write(f"fold thresholds (cosine): {np.round(thresholds, 4).tolist()}; "
                          f"threshold at FAR 1e-3: {far_threshold:.4f}")
        text = json.dumps(figures, indent=2)
        self.stdout.write(text)
        if options["json"] is not None:
            options["json"].write_text(text + "\n")
        if options["record"]:
            record_evaluation(embedding_model_version(), name=f"lfw:{options['pairs'].stem}", figures=figures)
