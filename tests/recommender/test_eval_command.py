"""eval_recommender on a slice of the real Toys file: exact JSON keys, the protocol's ranking rules."""

import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from beautyrec.recommender.ml.sequences import metrics_from_ranks, ranks_of_targets
from tests.conftest import FIXTURES

# The commands check that the database is migrated before they run.
pytestmark = pytest.mark.django_db

KEYS = {"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20"}


def test_ranking_removes_history_and_counts_every_other_item():
    scores = np.array([[0.0, 0.9, 0.8, 0.1, 0.5]])  # item 0 is padding
    # Items 1 and 2 are history: only item 4 outranks the target 3.
    assert ranks_of_targets(scores, [np.array([1, 2])], np.array([3])).tolist() == [1.0]
    figures = metrics_from_ranks(np.array([0.0, 1.0, 30.0]))
    assert figures["HR@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["NDCG@5"] == pytest.approx((1 + 1 / np.log2(3)) / 3, abs=1e-4)


def test_eval_command_on_real_toys_slice(tmp_path, capsys):
    dataset = FIXTURES / "recsys" / "toys_and_games_first400.txt"  # the shared file's first 400 users
    lines = dataset.read_text().splitlines()
    out = tmp_path / "figures.json"
    call_command("eval_recommender", "--dataset", str(dataset), "--json", str(out), "--max-epochs", "2",
                 "--knn", "0.5,10,50,0.6", "--threads", "1", "--negatives", "256")
    figures = json.loads(out.read_text())
    assert figures == json.loads(capsys.readouterr().out)
    assert set(figures) == {"model", "popularity", "item_knn", "train_seconds", "users", "items"}
    assert figures["users"] == 400
    assert figures["items"] == len({i for line in lines for i in line.split()[1:]})
    for method in ("model", "popularity", "item_knn"):
        assert set(figures[method]) == KEYS
        assert figures[method]["HR@5"] <= figures[method]["HR@10"] <= figures[method]["HR@20"] <= 1
    assert figures["item_knn"]["HR@20"] > figures["popularity"]["HR@20"]


def test_eval_command_rejects_bad_input(tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("1 5 6\n")
    with pytest.raises(CommandError, match="at least 3 items"):
        call_command("eval_recommender", "--dataset", str(short))
    with pytest.raises(CommandError, match="--knn"):
        long = tmp_path / "ok.txt"
        long.write_text("1 5 6 7\n2 6 7 8\n")
        call_command("eval_recommender", "--dataset", str(long), "--knn", "nonsense")
