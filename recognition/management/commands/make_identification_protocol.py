"""Write the in-the-wild identification development protocol (``recognition.services.protocols``) as the
image,identity CSV ``eval_identification`` reads, with image paths relative to the shared data folder."""

import csv
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recognition.services.protocols import identification_protocol


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=Path(settings.SHARED_DATA_DIR),
                            help="the shared data folder holding lfw/ and utkface/ (default SHARED_DATA_DIR)")
        parser.add_argument("--out", required=True, type=Path, help="CSV file to write")

    def handle(self, *args, **options) -> None:
        data: Path = options["data"]
        if not (data / "lfw" / "images").is_dir() or not (data / "utkface").is_dir():
            raise CommandError(f"{data} needs lfw/images/ and utkface/ (the shared research data)")
        rows = identification_protocol(data)
        options["out"].parent.mkdir(parents=True, exist_ok=True)
        with options["out"].open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["image", "identity"])
            writer.writerows((r.image, r.identity) for r in rows)
        counts = Counter(r.identity for r in rows)
        self.stdout.write(f"wrote {len(rows)} images of {len(counts)} identities "
                          f"({sum(1 for c in counts.values() if c > 1)} with several photos) to {options['out']}")
