"""The research evaluation behind ``eval_recommender``: model vs. popularity vs. tuned item-kNN.

Everything tuned (the kNN grid, SASRec's early stopping, the blend weight) is chosen on the validation target
(second-to-last item); the test target (last item) is scored once per method.
"""

import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from beautyrec.recommender.ml.sasrec import SasRecConfig, TrainResult, sasrec_scorer, train_sasrec
from beautyrec.recommender.ml.sequences import (
    ItemKnn,
    KnnParams,
    SequenceDataset,
    evaluate,
    popularity_scores,
    split_histories,
)

KNN_GRID = {"alpha": (0.5, 0.75, 0.9), "shrink": (0.0, 10.0, 50.0), "neighbours": (100,), "decay": (0.8, 0.6, 0.4)}
KNN_NEIGHBOURS = (50, 300)  # tried around the best of the grid
BLEND_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def tune_item_knn(data: SequenceDataset, log: Callable[[str], None]) -> tuple[KnnParams, float]:
    """Grid-search the kNN on the validation target; returns the best parameters and their NDCG@10."""
    histories, targets = split_histories(data, "valid")
    best, best_score = KnnParams(), -1.0
    for values in itertools.product(*KNN_GRID.values()):
        params = KnnParams(**dict(zip(KNN_GRID, values, strict=True)))
        knn = ItemKnn(histories, data.n_items, params)
        score = evaluate(knn.scores, histories, targets)["NDCG@10"]
        log(f"item_knn {params} valid NDCG@10={score}")
        if score > best_score:
            best, best_score = params, score
    for neighbours in KNN_NEIGHBOURS:
        params = replace(best, neighbours=neighbours)
        score = evaluate(ItemKnn(histories, data.n_items, params).scores, histories, targets)["NDCG@10"]
        log(f"item_knn {params} valid NDCG@10={score}")
        if score > best_score:
            best, best_score = params, score
    return best, best_score


def blend(first: Callable[[np.ndarray], np.ndarray], second: Callable[[np.ndarray], np.ndarray],
          weight: float) -> Callable[[np.ndarray], np.ndarray]:
    """Mixture of two next-item distributions: (1 - w) * p_model + w * p_knn (kNN scores normalised per user)."""

    def score(users: np.ndarray) -> np.ndarray:
        p = first(users)
        if weight == 0.0:
            return p
        q = second(users)
        q = q / np.maximum(q.sum(axis=1, keepdims=True), 1e-12)
        return (1.0 - weight) * p + weight * q

    return score


def run_benchmark(data: SequenceDataset, config: SasRecConfig, log: Callable[[str], None] = print
                  ) -> tuple[dict[str, Any], dict[str, Any], TrainResult]:
    """Evaluate the three methods; returns (the issue's JSON, the chosen settings, the trained SASRec)."""
    valid_h, valid_t = split_histories(data, "valid")
    test_h, test_t = split_histories(data, "test")

    pop = popularity_scores(test_h, data.n_items)
    popularity = evaluate(lambda users: np.broadcast_to(pop, (len(users), len(pop))), test_h, test_t)
    log(f"popularity test {popularity}")

    knn_params, knn_valid = tune_item_knn(data, log)
    knn_test = ItemKnn(test_h, data.n_items, knn_params)
    item_knn = evaluate(knn_test.scores, test_h, test_t)
    log(f"item_knn {knn_params} valid NDCG@10={knn_valid} test {item_knn}")

    started = time.perf_counter()
    knn_valid_model = ItemKnn(valid_h, data.n_items, knn_params)
    knn_seconds = time.perf_counter() - started
    trained = train_sasrec(valid_h, data.n_items, config,
                           validate=lambda m: evaluate(sasrec_scorer(m, valid_h), valid_h, valid_t)["NDCG@10"],
                           log=log)
    weight, best = 0.0, -1.0
    for w in BLEND_WEIGHTS:
        score = evaluate(blend(sasrec_scorer(trained.model, valid_h), knn_valid_model.scores, w),
                         valid_h, valid_t)["NDCG@10"]
        log(f"blend weight {w} valid NDCG@10={score}")
        if score > best:
            weight, best = w, score
    model = evaluate(blend(sasrec_scorer(trained.model, test_h), knn_test.scores, weight), test_h, test_t)
    log(f"model (SASRec best epoch {trained.best_epoch}, kNN weight {weight}) test {model}")
    result = {
        "model": model,
        "popularity": popularity,
        "item_knn": item_knn,
        "train_seconds": round(trained.seconds + knn_seconds, 1),
        "users": data.n_users,
        "items": data.n_items,
    }
    details = {"sasrec": {**asdict(config), "best_epoch": trained.best_epoch, "epochs": trained.epochs,
                          "valid_ndcg10": trained.best_valid},
               "item_knn": asdict(knn_params), "blend_knn_weight": weight}
    return result, details, trained
