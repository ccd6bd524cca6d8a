"""Open-set 1:N identification with the service's embedding and gallery index.

Protocol: identities sorted as strings; every second one (the 1st, 3rd, ...) is enrolled with its first
image in file-name order; the enrolled identities' other images are genuine probes and every image of the
other identities is an impostor probe. Each probe's top-1 gallery entry is its answer. Prints and writes
{"rank1", "tpir_at_fpir_0.01", "false_accept_rate_at_threshold", "probes", "gallery"}: rank-1 accuracy of the
genuine probes; the share of genuine probes identified correctly above the threshold at which at most 1% of
impostor probes match anyone; the share of impostor probes matching someone at the service's decision
threshold (RECOGNITION_IDENTIFY_THRESHOLD); the number of probes; the number of enrolled identities.
"""

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from beautyrec.core.management.base import EvaluationCommand
from recognition.ml.index import CosineIndex
from recognition.services.evaluation import embed_files, rate_at_false_rate


def read_labels(path: Path) -> dict[str, list[str]]:
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or {"image", "identity"} - set(reader.fieldnames):
            raise CommandError("the CSV needs the header image,identity")
        images: dict[str, list[str]] = defaultdict(list)
        for row in reader:
            images[row["identity"]].append(row["image"])
    return {identity: sorted(files) for identity, files in images.items()}


class Command(EvaluationCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--labels", required=True, type=Path, help="CSV with header image,identity")
        parser.add_argument("--images", required=True, type=Path, help="DIR the image paths are relative to")
        parser.add_argument("--json", type=Path, help="also write the figures to this file")

    def handle(self, *args, **options) -> None:
        by_identity = read_labels(options["labels"])
        identities = sorted(by_identity)
        enrolled = identities[0::2]
        if not enrolled or len(identities) < 2:
            raise CommandError("at least two identities are needed")
        gallery_files = [by_identity[i][0] for i in enrolled]
        genuine = [(f, i) for i in enrolled for f in by_identity[i][1:]]
        impostor = [(f, i) for i in identities[1::2] for f in by_identity[i]]
        files = gallery_files + [f for f, _ in genuine] + [f for f, _ in impostor]
        paths = [options["images"] / f for f in files]
        absent = [p for p in paths if not p.is_file()]
        if absent:
            raise CommandError(f"{len(absent)} image(s) missing, e.g. {absent[0]}")
        with tqdm(total=len(paths), desc="embedding", unit="img", file=sys.stderr) as bar:
            embedded = embed_files(paths, on_batch=bar.update)
        vectors = embedded.embeddings
        index = CosineIndex()
        index.upsert(enrolled, vectors[:len(enrolled)], [0] * len(enrolled))
        row = {identity: i for i, identity in enumerate(enrolled)}
        # The index ranks with fp16 rows; the winner's similarity is recomputed in float32.
        top = [(who, float(v @ vectors[row[who]])) for v in vectors[len(enrolled):]
               for who, _ in index.search(v, 1)]
        genuine_top, impostor_top = top[:len(genuine)], top[len(genuine):]
        correct = np.array([who == truth for (who, _), (_, truth) in zip(genuine_top, genuine, strict=True)])
        genuine_scores = np.array([score for _, score in genuine_top])
        impostor_scores = np.array([score for _, score in impostor_top])
        # A genuine probe counts at a threshold only if its top-1 is right and above it.
        _, threshold = rate_at_false_rate(genuine_scores, impostor_scores, 0.01)
        tpir = float(np.mean(correct & (genuine_scores > threshold))) if len(genuine) else 0.0
        far = float(np.mean(impostor_scores >= settings.RECOGNITION_IDENTIFY_THRESHOLD)) if len(impostor) else 0.0
        figures = {
            "rank1": round(float(correct.mean()) if len(genuine) else 0.0, 5),
            "tpir_at_fpir_0.01": round(tpir, 5),
            "false_accept_rate_at_threshold": round(far, 5),
            "probes": len(genuine) + len(impostor),
            "gallery": len(enrolled),
        }
        self.stderr.write(f"genuine probes {len(genuine)}, impostor probes {len(impostor)}, no face found in "
                          f"{int(embedded.no_face.sum())} image(s); threshold at FPIR 1%: {threshold:.4f}, "
                          f"service threshold {settings.RECOGNITION_IDENTIFY_THRESHOLD}")
        text = json.dumps(figures, indent=2)
        self.stdout.write(text)
        if options["json"] is not None:
            options["json"].write_text(text + "\n")
