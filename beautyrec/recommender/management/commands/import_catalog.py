"""Import a catalogue file (CSV or JSON): every row validated, bad rows reported by line, all-or-nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from beautyrec.core.errors import ServiceError
from beautyrec.core.progress import percent_bar
from beautyrec.recommender.services.catalog import describe_errors, import_catalog


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file} does not exist")
        with percent_bar("import", verbosity=options["verbosity"]) as progress:
            try:
                summary = import_catalog(content=file.read_bytes(), filename=file.name, progress=progress)
            except ServiceError as exc:
                for line in describe_errors(exc.details):
                    self.stderr.write(line)
                raise CommandError(f"{exc.code}: {exc.message}") from exc
            progress(100, "done")
        self.stdout.write(self.style.SUCCESS(
            f"{summary.rows} rows: {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged"))
