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
    metrics_from_ranks,
    popularity_scores,
    ranks_of_targets,
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


def tune_blend(model: Callable[[np.ndarray], np.ndarray], knn: Callable[[np.ndarray], np.ndarray],
               histories: list[np.ndarray], targets: np.ndarray, batch_size: int = 1024) -> dict[float, float]:
    """Validation NDCG@10 of every blend weight, scoring each user batch once."""
    ranks: dict[float, list[np.ndarray]] = {w: [] for w in BLEND_WEIGHTS}
    for start in range(0, len(targets), batch_size):
        users = np.arange(start, min(start + batch_size, len(targets)))
        p, q = model(users), knn(users)
        q = q / np.maximum(q.sum(axis=1, keepdims=True), 1e-12)
        hist = [histories[u] for u in users]
        for w in BLEND_WEIGHTS:
            ranks[w].append(ranks_of_targets((1.0 - w) * p + w * q, hist, targets[users]))
    return {w: metrics_from_ranks(np.concatenate(r))["NDCG@10"] for w, r in ranks.items()}


def run_benchmark(data: SequenceDataset, config: SasRecConfig, log: Callable[[str], None] = print,
                  refit: bool = True, knn_params: KnnParams | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any], TrainResult]:
    """Evaluate the three methods; returns (the issue's JSON, the chosen settings, the trained SASRec)."""
    valid_h, valid_t = split_histories(data, "valid")
    test_h, test_t = split_histories(data, "test")

    pop = popularity_scores(test_h, data.n_items)
    popularity = evaluate(lambda users: np.broadcast_to(pop, (len(users), len(pop))), test_h, test_t)
    log(f"popularity test {popularity}")

    if knn_params is None:
        knn_params, knn_valid = tune_item_knn(data, log)
    else:
        knn_valid = evaluate(ItemKnn(valid_h, data.n_items, knn_params).scores, valid_h, valid_t)["NDCG@10"]
    knn_test = ItemKnn(test_h, data.n_items, knn_params)
    item_knn = evaluate(knn_test.scores, test_h, test_t)
    log(f"item_knn {knn_params} valid NDCG@10={knn_valid} test {item_knn}")

    started = time.perf_counter()
    knn_valid_model = ItemKnn(valid_h, data.n_items, knn_params)
    knn_seconds = time.perf_counter() - started
    trained = train_sasrec(valid_h, data.n_items, config,
                           validate=lambda m: evaluate(sasrec_scorer(m, valid_h), valid_h, valid_t)["NDCG@10"],
                           log=log)
    blended = tune_blend(sasrec_scorer(trained.model, valid_h), knn_valid_model.scores, valid_h, valid_t)
    for w, score in blended.items():
        log(f"blend weight {w} valid NDCG@10={score}")
    weight = max(blended, key=lambda w: blended[w])
    final_model, refit_seconds = trained.model, 0.0
    if refit:
        # The test-time kNN is fitted on everything but the test items; give SASRec the same data: retrain on
        # all but the last item for the number of epochs validation chose (no peeking at the test item).
        refit_config = replace(config, max_epochs=trained.best_epoch, patience=trained.best_epoch + 1)
        final = train_sasrec(test_h, data.n_items, refit_config, validate=None, log=log)
        final_model, refit_seconds = final.model, final.seconds
    model = evaluate(blend(sasrec_scorer(final_model, test_h), knn_test.scores, weight), test_h, test_t)
    log(f"model (SASRec best epoch {trained.best_epoch}, refit {refit}, kNN weight {weight}) test {model}")
    result = {
        "model": model,
        "popularity": popularity,
        "item_knn": item_knn,
        "train_seconds": round(trained.seconds + refit_seconds + knn_seconds, 1),
        "users": data.n_users,
        "items": data.n_items,
    }
    details = {"sasrec": {**asdict(config), "best_epoch": trained.best_epoch, "epochs": trained.epochs,
                          "valid_ndcg10": trained.best_valid, "refit_on_validation_item": refit},
               "item_knn": asdict(knn_params), "blend_knn_weight": weight}
    return result, details, trained
