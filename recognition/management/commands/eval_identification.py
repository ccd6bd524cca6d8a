"""Open-set 1:N identification: the service (its embedding, gallery search and AS-normalised scores) beside the
plain dlib pipeline, on the same protocol in one run.

Protocol: identities sorted as strings; every second one (the 1st, 3rd, ...) is enrolled with its first
image in file-name order; the enrolled identities' other images are genuine probes and every image of the
other identities is an impostor probe. Each probe's top-1 gallery entry is its answer. Prints and writes
{"rank1", "tpir_at_fpir_0.01", "false_accept_rate_at_threshold", "probes", "gallery", ...}: rank-1 accuracy of
the genuine probes; the share of genuine probes identified correctly above the threshold at which at most 1% of
impostor probes match anyone; the share of impostor probes matching someone at the service's decision threshold
(RECOGNITION_IDENTIFY_SCORE_THRESHOLD); the number of probes; the number of enrolled identities. ``plain_dlib``
holds the same figures for dlib's own pipeline (HOG upsampled once, 5 points, ``compute_face_descriptor``,
cosine; a photo where HOG finds no face is neither enrolled nor answered), and ``raw_similarity`` those of the
service's embeddings ranked on raw cosine (what the score normalisation adds).
``make_identification_protocol`` writes the development protocol's label file.
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
from recognition.services.cohort import score_cohort
from recognition.services.evaluation import embed_files, embed_files_plain_dlib, open_set_figures


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
        parser.add_argument("--no-baseline", action="store_true", help="skip the plain dlib pipeline (faster)")

    def handle(self, *args, **options) -> None:
        by_identity = read_labels(options["labels"])
        identities = sorted(by_identity)
        enrolled = identities[0::2]
        if not enrolled or len(identities) < 2:
            raise CommandError("at least two identities are needed")
        gallery_files = [by_identity[i][0] for i in enrolled]
        genuine = [(f, g) for g, i in enumerate(enrolled) for f in by_identity[i][1:]]
        impostor = [f for i in identities[1::2] for f in by_identity[i]]
        files = gallery_files + [f for f, _ in genuine] + impostor
        paths = [options["images"] / f for f in files]
        absent = [p for p in paths if not p.is_file()]
        if absent:
            raise CommandError(f"{len(absent)} image(s) missing, e.g. {absent[0]}")
        truth = np.array([g for _, g in genuine], dtype=np.int64)
        n_gallery = len(enrolled)

        with tqdm(total=len(paths), desc="embedding (service)", unit="img", file=sys.stderr) as bar:
            service = embed_files(paths, on_batch=bar.update)
        cut = settings.RECOGNITION_IDENTIFY_SCORE_THRESHOLD
        figures = open_set_figures(service.embeddings[:n_gallery], service.embeddings[n_gallery:], truth,
                                   cohort=score_cohort(), decision_threshold=cut)
        raw = open_set_figures(service.embeddings[:n_gallery], service.embeddings[n_gallery:], truth)
        figures["no_face"] = int(service.no_face.sum())
        figures["raw_similarity"] = {k: raw[k] for k in ("rank1", "tpir_at_fpir_0.01", "threshold_at_fpir_0.01")}
        if not options["no_baseline"]:
            with tqdm(total=len(paths), desc="embedding (plain dlib)", unit="img", file=sys.stderr) as bar:
                plain = embed_files_plain_dlib(paths, on_batch=bar.update)
            answered = ~plain.no_face
            baseline = open_set_figures(plain.embeddings[:n_gallery], plain.embeddings[n_gallery:], truth,
                                        enrolled=answered[:n_gallery], answered=answered[n_gallery:])
            figures["plain_dlib"] = {k: baseline[k] for k in ("rank1", "tpir_at_fpir_0.01",
                                                              "threshold_at_fpir_0.01")}
            figures["plain_dlib"]["no_face"] = int(plain.no_face.sum())
        self.stderr.write(f"genuine probes {len(genuine)}, impostor probes {len(impostor)}; service threshold "
                          f"{cut} (normalised score)")
        text = json.dumps(figures, indent=2)
        self.stdout.write(text)
        if options["json"] is not None:
            options["json"].write_text(text + "\n")
