"""Every evaluation command runs on a fresh checkout's database (never migrated), as its own process.

Evaluations then work on a throwaway database and leave the user's file untouched; training and the
flags that record figures stop with one line that says to migrate; a half-migrated database is refused.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.recognition.conftest import BLAIR, POWELL, SERENA

ROOT = Path(__file__).resolve().parents[2]
MAKEUP = FIXTURES / "makeup"
TRANSFER_KEYS = {"lip_de2000_to_reference", "eye_de2000_to_reference", "identity_distance", "ms_per_image"}


def manage(database: Path, *args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"CELERY_BROKER_URL", "DATABASE_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{database}", MEDIA_ROOT=str(tmp / "media"), MODEL_ROOT=str(tmp / "models"),
               OMP_NUM_THREADS="1", ML_NUM_THREADS="1")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def fresh_database(tmp_path) -> Path:
    """What a fresh checkout has: a database file with no tables (SQLite creates it on first connection)."""
    path = tmp_path / "fresh.sqlite3"
    sqlite3.connect(path).close()
    return path


def tables(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


@pytest.fixture
def lfw_images(tmp_path) -> Path:
    images = tmp_path / "lfw"
    for path in (*BLAIR, *POWELL, *SERENA):
        name = path.stem.rsplit("_", 1)[0]
        (images / name).mkdir(parents=True, exist_ok=True)
        (images / name / path.name).write_bytes(path.read_bytes())
    return images


def evaluation_arguments(command: str, tmp: Path, lfw: Path) -> tuple[list[str], set[str]]:
    """The command line of each evaluation on the tests' real fixtures, and keys its JSON must have."""
    if command == "eval_lfw":
        pairs = tmp / "pairs.txt"
        pairs.write_text("2\t1\nTony_Blair\t6\t18\nTony_Blair\t6\tColin_Powell\t38\n"
                         "Colin_Powell\t38\t40\nSerena_Williams\t1\tTony_Blair\t32\n")
        return ["--pairs", str(pairs), "--images", str(lfw)], {"accuracy", "tar_at_far_1e-3", "pairs"}
    if command == "eval_identification":
        labels = tmp / "labels.csv"
        rows = [f"{p.stem.rsplit('_', 1)[0]}/{p.name},{p.stem.rsplit('_', 1)[0]}" for p in (*SERENA, *BLAIR)]
        labels.write_text("image,identity\n" + "\n".join(rows) + "\n")
        return (["--labels", str(labels), "--images", str(lfw)],
                {"rank1", "tpir_at_fpir_0.01", "false_accept_rate_at_threshold", "probes", "gallery"})
    if command == "eval_attributes":
        return ["--utkface", str(FIXTURES / "utkface"), "--workers", "1"], {"age_mae", "gender_accuracy", "faces"}
    if command == "eval_tryon":
        return (["--images", str(MAKEUP / "images"), "--segs", str(MAKEUP / "segs")],
                {"lip_de2000_mean", "outside_mask_max_abs_diff", "faces"})
    if command == "eval_makeup_transfer":
        return (["--faces", str(MAKEUP / "images"), "--references", str(MAKEUP / "images"),
                 "--faces-pattern", "*non-makeup*", "--references-pattern", "*_makeup_*"], {"gan", "analytic"})
    if command == "eval_text_query":
        return (["--source", str(FIXTURES / "shared_subset"), "--queries", str(FIXTURES / "text_queries_subset.json")],
                {"precision@10", "latency_ms", "queries"})
    assert command == "eval_recommender"
    return (["--dataset", str(FIXTURES / "recsys" / "toys_and_games_first400.txt"), "--max-epochs", "1",
             "--knn", "0.5,10,50,0.6", "--threads", "1", "--negatives", "64"], {"model", "popularity", "item_knn"})


@pytest.mark.parametrize("command", ["eval_lfw", "eval_identification", "eval_attributes", "eval_tryon",
                                     "eval_makeup_transfer", "eval_recommender", "eval_text_query"])
def test_evaluation_runs_on_a_throwaway_database(command, fresh_database, lfw_images, tmp_path):
    args, keys = evaluation_arguments(command, tmp_path, lfw_images)
    done = manage(fresh_database, command, *args, tmp=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    figures, _ = json.JSONDecoder().raw_decode(done.stdout, done.stdout.index("{"))
    assert keys <= set(figures)
    if command == "eval_makeup_transfer":
        assert all(set(figures[method]) >= TRANSFER_KEYS for method in ("gan", "analytic"))
    assert "evaluating on a throwaway one" in done.stderr
    assert tables(fresh_database) == []  # the user's database was not migrated behind their back


@pytest.mark.parametrize(("args", "message"), [
    (["train_recommender", "--epochs", "1"], "CommandError: training registers its model in the database, which "
                                             "has no tables yet: run `python manage.py migrate`"),
    (["eval_attributes", "--utkface", str(FIXTURES / "utkface"), "--record"],
     "CommandError: --record stores figures in the database, which has no tables: run `python manage.py migrate`"),
])
def test_training_and_recording_say_what_to_run(args, message, fresh_database, tmp_path):
    done = manage(fresh_database, *args, tmp=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [message + " first (`make run` does it)"]
    assert tables(fresh_database) == []


def test_a_half_migrated_database_is_not_worked_around(fresh_database, tmp_path):
    assert manage(fresh_database, "migrate", "contenttypes", tmp=tmp_path).returncode == 0
    done = manage(fresh_database, "eval_tryon", "--images", str(MAKEUP / "images"), tmp=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == ("CommandError: the database has unapplied migrations: run `python manage.py "
                                   "migrate` first (`make run` does it)")
    assert "core_modelversion" not in tables(fresh_database)
