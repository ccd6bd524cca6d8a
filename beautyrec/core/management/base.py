"""Base classes for the evaluation and training commands, so they behave on a database that was never migrated.

A fresh checkout has no tables until ``migrate`` runs (``make run`` does it). Evaluations only read the model
registry and record nothing by default, so on such a database they run on a throwaway SQLite database,
migrated in a temporary folder and deleted at exit; the user's database is left untouched. Training registers
the model version it makes, which a throwaway database would lose, so it stops with a one-line message instead.
A database that is migrated only part of the way is never worked around: it gets the same one-line message.
"""

import atexit
import shutil
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

MIGRATE_HINT = "run `python manage.py migrate` first (`make run` does it)"


class DatabaseState(Enum):
    READY = "ready"  # every migration applied
    EMPTY = "empty"  # no migration applied: a fresh checkout
    BEHIND = "behind"  # some applied, some not


def database_state(alias: str = DEFAULT_DB_ALIAS) -> DatabaseState:
    executor = MigrationExecutor(connections[alias])
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return DatabaseState.READY
    return DatabaseState.BEHIND if executor.loader.applied_migrations else DatabaseState.EMPTY


def use_throwaway_database() -> Path:
    """Point the default connection at a new, migrated SQLite file that is removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="beautyrec-throwaway-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "db.sqlite3"
    connections[DEFAULT_DB_ALIAS].close()
    connections.settings[DEFAULT_DB_ALIAS] = connections.configure_settings(
        {DEFAULT_DB_ALIAS: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}})[DEFAULT_DB_ALIAS]
    del connections[DEFAULT_DB_ALIAS]
    call_command("migrate", verbosity=0, interactive=False)
    return path


class EvaluationCommand(BaseCommand):
    """An ``eval_*`` command: on an unmigrated database it evaluates on a throwaway one.

    Subclasses list in ``recording_options`` the flags that store results in the database; those need the
    real, migrated database and are refused on a fresh one.
    """

    recording_options: tuple[str, ...] = ()

    def execute(self, *args: Any, **options: Any) -> str | None:
        state = database_state()
        if state is DatabaseState.BEHIND:
            raise CommandError(f"the database has unapplied migrations: {MIGRATE_HINT}")
        if state is DatabaseState.EMPTY:
            recording = [name for name in self.recording_options if options.get(name)]
            if recording:
                raise CommandError(f"--{recording[0]} stores figures in the database, which has no tables: "
                                   f"{MIGRATE_HINT}")
            use_throwaway_database()
            self.stderr.write("the database has no tables yet: evaluating on a throwaway one (nothing is recorded)")
        return super().execute(*args, **options)


class TrainingCommand(BaseCommand):
    """A ``train_*`` command: it registers its model version, so it needs the real, migrated database."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        state = database_state()
        if state is not DatabaseState.READY:
            what = "has no tables yet" if state is DatabaseState.EMPTY else "has unapplied migrations"
            raise CommandError(f"training registers its model in the database, which {what}: {MIGRATE_HINT}")
        return super().execute(*args, **options)
