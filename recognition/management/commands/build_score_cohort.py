"""Build the identification score cohort and register it as a ``score_cohort`` ModelVersion.

    python manage.py build_score_cohort [--data ../shared/data] [--top-k 200] [--ship] [--activate]

The cohort is the adult UTKFace faces that ``recognition.services.protocols`` reserves for it (never a probe or
gallery face of the development protocol, never an LFW face), embedded exactly as the service embeds faces.
``--ship`` writes the file shipped inside the package (the default version the service registers).
"""

import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from beautyrec.core.management.base import TrainingCommand
from beautyrec.core.registry import register_model_version, resolve_uri
from recognition.services.cohort import DEFAULT_TOP_K, KIND, SHIPPED_URI, SHIPPED_VERSION, save_cohort
from recognition.services.embedding import EMBEDDING_VERSION
from recognition.services.evaluation import embed_files
from recognition.services.protocols import cohort_pool


class Command(TrainingCommand):
    help = "Embed the reserved UTKFace cohort faces and register them as the identification score cohort."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=Path(settings.SHARED_DATA_DIR),
                            help="the shared data folder holding utkface/ (default SHARED_DATA_DIR)")
        parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help="cohort neighbours AS-norm averages")
        parser.add_argument("--model-version", default="", help="version name (default: utkface-adults-<k>)")
        parser.add_argument("--ship", action="store_true",
                            help=f"write the package's shipped file and register it as {SHIPPED_VERSION}")
        parser.add_argument("--activate", action="store_true", help="make the new version the active one")

    def handle(self, *args, **opts) -> None:
        files = cohort_pool(opts["data"]) if (opts["data"] / "utkface").is_dir() else []
        if len(files) < opts["top_k"] or opts["top_k"] < 2:
            raise CommandError(f"{opts['data']}/utkface gives {len(files)} cohort faces; --top-k {opts['top_k']} "
                               "needs at least that many (and at least 2)")
        with tqdm(total=len(files), desc="embedding", unit="img", file=sys.stderr) as bar:
            embedded = embed_files([opts["data"] / f for f in files], on_batch=bar.update)
        vectors = embedded.embeddings[~embedded.no_face]
        version = SHIPPED_VERSION if opts["ship"] else (opts["model_version"] or f"utkface-adults-{len(vectors)}")
        uri = SHIPPED_URI if opts["ship"] else f"score_cohort/{version}.npz"
        save_cohort(resolve_uri(uri), vectors, top_k=opts["top_k"])
        command = "python manage.py build_score_cohort " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        mv = register_model_version(
            kind=KIND, version=version, uri=uri, training_command=command, activate=opts["activate"] or opts["ship"],
            metrics={"faces": len(vectors), "skipped_no_face": int(embedded.no_face.sum()), "top_k": opts["top_k"],
                     "embedding_version": EMBEDDING_VERSION},
        )
        self.stdout.write(self.style.SUCCESS(f"{len(vectors)} cohort faces (top {opts['top_k']}) saved as {mv}"))
