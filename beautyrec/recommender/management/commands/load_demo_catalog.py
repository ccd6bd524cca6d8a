"""Load the demo catalogue (real foundation and lipstick shades) from the shared research data."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from beautyrec.core.errors import ServiceError
from beautyrec.core.progress import percent_bar
from beautyrec.recommender.services.catalog import describe_errors, import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", type=Path, default=Path(settings.SHARED_DATA_DIR),
                            help="Folder holding catalog/foundation_shades.csv and catalog/lipsticks.json")

    def handle(self, *args, source: Path, **options) -> None:
        if not (source / "catalog").is_dir():
            raise CommandError(f"{source / 'catalog'} not found; set SHARED_DATA_DIR or pass --source")
        with percent_bar("demo catalogue", verbosity=options["verbosity"]) as progress:
            try:
                summary = import_catalog(content=rows_to_csv(demo_rows(source)), filename="demo.csv",
                                         progress=progress)
            except ServiceError as exc:
                for line in describe_errors(exc.details):
                    self.stderr.write(line)
                raise CommandError(f"{exc.code}: {exc.message}") from exc
            progress(100, "done")
        self.stdout.write(self.style.SUCCESS(
            f"demo catalogue: {summary.rows} products ({summary.created} new, {summary.updated} updated)"))
