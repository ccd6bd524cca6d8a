"""Constraint precision@10 and latency of text recommendation queries over the demo catalogue.

    python manage.py eval_text_query [--source ../shared/data] [--queries FILE] [--k 10] [--json OUT]

The demo catalogue is built from ``--source`` (``SHARED_DATA_DIR`` by default) and imported, with a throwaway
user without selfie or history, inside a transaction that is rolled back: the database is left as it was (and a
never-migrated one is replaced by a throwaway SQLite database). Products already in the database take part.
Prints {"queries", "k", "products", "precision@10", "attribute_precision", "mean_results",
"queries_without_results", "latency_ms": {"p50", "p95", "max"}, "misses"}.
"""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction

from beautyrec.core.management.base import EvaluationCommand
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from beautyrec.recommender.services.recommend import forget_catalogue
from beautyrec.recommender.services.text_eval import QUERY_SET, evaluate, load_queries


class Command(EvaluationCommand):
    help = "Text queries: precision@k of constraint satisfaction and latency (p50/p95) over the demo catalogue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", type=Path, default=Path(settings.SHARED_DATA_DIR),
                            help="folder holding catalog/foundation_shades.csv and catalog/lipsticks.json")
        parser.add_argument("--queries", type=Path, default=QUERY_SET, help="the query set (JSON)")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--json", type=Path, default=None, help="also write the figures here")

    def handle(self, *args, **options) -> None:
        if not (options["source"] / "catalog").is_dir():
            raise CommandError(f"{options['source'] / 'catalog'} not found; set SHARED_DATA_DIR or pass --source")
        try:
            queries = load_queries(options["queries"])
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot read {options['queries']}: {exc}") from exc
        with transaction.atomic():
            import_catalog(content=rows_to_csv(demo_rows(options["source"])), filename="demo.csv")
            user = get_user_model().objects.create_user(username="eval-text-query-throwaway")
            forget_catalogue()
            figures = evaluate(user, queries, k=options["k"])
            transaction.set_rollback(True)
        forget_catalogue()
        text = json.dumps(figures, indent=2, ensure_ascii=False)
        if options["json"]:
            options["json"].write_text(text + "\n")
        self.stdout.write(text)
