"""Training the recommender on the service's own interactions and registering the result as a ModelVersion.

Per user the positive interactions in time order form a sequence. The last item of each user is held out:
the sources (popularity, cohort popularity, item-item similarity) and the sequence model are fitted without
it, and the re-ranker learns to pick it out from sampled negatives using those sources' features. The sources
are then refitted on everything for serving.
"""

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import register_model_version
from beautyrec.recommender.ml import sasrec
from beautyrec.recommender.ml.sequences import ItemKnn, KnnParams, evaluate
from beautyrec.recommender.models import Interaction, InteractionKind, Product
from beautyrec.recommender.services.features import (
    CO_OCCURRENCE_DECAY,
    FEATURES,
    History,
    Sources,
    cohort_index,
    compute_features,
    load_catalogue,
)
from beautyrec.recommender.services.interactions import is_positive
from beautyrec.recommender.services.model import KIND, Reranker, forget_active, save_artefact
from beautyrec.recommender.services.profile import DEPTHS, UNDERTONES, face_profile

ProgressFn = Callable[[float, str], None]
NEGATIVES_PER_POSITIVE = 20
# Below this many users with 3+ positives a sequence model would learn noise; the kNN source still works.
MIN_SEQUENCE_USERS = 50
MIN_RERANKER_EXAMPLES = 20


def user_sequences() -> dict[int, list[int]]:
    """user id -> positive product ids, oldest first (a repeat moves the product to its latest position)."""
    sequences: dict[int, list[int]] = {}
    events = Interaction.objects.order_by("timestamp", "id").values_list("user_id", "product_id", "kind", "value")
    for user_id, product_id, kind, value in events:
        if kind == InteractionKind.DISLIKE or not is_positive(kind, value):
            continue
        seq = sequences.setdefault(user_id, [])
        if product_id in seq:
            seq.remove(product_id)
        seq.append(product_id)
    return sequences


def fit_sources(sequences: dict[int, list[int]], cohorts: dict[int, int | None], product_ids: np.ndarray,
                knn: KnnParams) -> Sources:
    position = {int(p): i for i, p in enumerate(product_ids)}
    n = len(product_ids)
    popularity = np.zeros(n)
    cohort_popularity = np.zeros((len(DEPTHS) * len(UNDERTONES), n))
    histories = []
    for user_id, seq in sequences.items():
        idx = np.array([position[p] for p in seq if p in position], dtype=np.int64)
        popularity[idx] += 1
        if cohorts.get(user_id) is not None:
            cohort_popularity[cohorts[user_id], idx] += 1
        histories.append(idx + 1)
    similarity = None
    if histories and sum(len(h) for h in histories):
        similarity = ItemKnn(histories, n, knn).similarity[1:, 1:].tocsr()
    return Sources(product_ids=product_ids, popularity=popularity, cohort_popularity=cohort_popularity,
                   similarity=similarity)


def train_recommender_model(*, progress: ProgressFn, epochs: int = 30, seed: int = 0,
                            command: str = "python manage.py train_recommender") -> ModelVersion:
    """Fit sources, the sequence model and the re-ranker; register and activate the new version."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    progress(2, "loading interactions")
    sequences = user_sequences()
    users = {u.id: u for u in get_user_model().objects.filter(id__in=list(sequences))}
    cohorts = {uid: cohort_index(face_profile(user=users[uid])) for uid in sequences}
    product_ids = np.array(sorted(Product.objects.values_list("id", flat=True)), dtype=np.int64)
    knn = KnnParams(alpha=0.5, shrink=10.0, neighbours=100, decay=CO_OCCURRENCE_DECAY)
    held_out = {u: s for u, s in sequences.items() if len(s) >= 2}
    train_part = {u: (s[:-1] if u in held_out else s) for u, s in sequences.items()}

    progress(10, "fitting the sequence model")
    sequence_model, sequence_metrics = _fit_sequence_model(sequences, product_ids, epochs=epochs, seed=seed)

    progress(50, "fitting the re-ranker")
    train_sources = fit_sources(train_part, cohorts, product_ids, knn)
    reranker, reranker_metrics = _fit_reranker(held_out, users, train_sources, sequence_model, rng)

    progress(85, "saving")
    sources = fit_sources(sequences, cohorts, product_ids, knn)
    version = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    metrics = {"users": len(sequences), "positives": int(sum(len(s) for s in sequences.values())),
               "items": len(product_ids), "sequence_model": sequence_metrics, "reranker": reranker_metrics,
               "train_seconds": round(time.perf_counter() - started, 1)}
    folder = Path(settings.MODEL_ROOT) / KIND / version
    save_artefact(folder, sources=sources, reranker=reranker, sequence_model=sequence_model, metrics=metrics)
    mv = register_model_version(kind=KIND, version=version, uri=f"{KIND}/{version}/sources.npz", metrics=metrics,
                                training_command=command, activate=True,
                                notes="sources + logistic re-ranker" + (" + SASRec" if sequence_model else ""))
    forget_active()
    progress(100, "done")
    return mv


def _fit_sequence_model(sequences: dict[int, list[int]], product_ids: np.ndarray, *, epochs: int, seed: int
                        ) -> tuple[Any | None, dict[str, Any] | None]:
    """SASRec on positions 1..n of ``product_ids``: trained on all but each user's last two items, early-stopped
    on the second-to-last; None when too few users have sequences."""
    position = {int(p): i + 1 for i, p in enumerate(product_ids)}
    seqs = [np.array([position[p] for p in s if p in position], dtype=np.int64) for s in sequences.values()]
    seqs = [s for s in seqs if len(s) >= 3]
    if len(seqs) < MIN_SEQUENCE_USERS:
        return None, None
    histories = [s[:-2] for s in seqs]
    targets = np.array([s[-2] for s in seqs])
    config = sasrec.SasRecConfig(max_epochs=epochs, patience=5, seed=seed, time_budget_s=1200.0)
    result = sasrec.train_sasrec(histories, len(product_ids), config,
                                 validate=lambda m: evaluate(sasrec.sasrec_scorer(m, histories), histories,
                                                             targets)["NDCG@10"], log=lambda _: None)
    return result.model, {"valid_ndcg10": result.best_valid, "best_epoch": result.best_epoch,
                          "users": len(seqs), "config": asdict(config)}


def _fit_reranker(held_out: dict[int, list[int]], users: dict[int, Any], sources: Sources, sequence_model: Any,
                  rng: np.random.Generator) -> tuple[Reranker, dict[str, Any]]:
    """Logistic regression: each user's held-out item against sampled negatives, on features from their
    earlier items. Falls back to the prior with fewer than MIN_RERANKER_EXAMPLES users."""
    if len(held_out) < MIN_RERANKER_EXAMPLES:
        return Reranker.prior(), {"kind": "prior", "examples": len(held_out)}
    catalogue = load_catalogue()
    source_rows = sources.rows_for(catalogue)
    xs, ys, groups = [], [], []
    for user_id, seq in held_out.items():
        target = seq[-1]
        if target not in catalogue.index:
            continue
        negatives = rng.choice(len(catalogue), size=min(NEGATIVES_PER_POSITIVE, len(catalogue) - 1), replace=False)
        rows = np.unique(np.concatenate([[catalogue.index[target]], negatives]))
        rows = rows[(catalogue.ids[rows] == target) | ~np.isin(catalogue.ids[rows], seq)]
        history = History(positives=seq[:-1])
        sequential = None
        if sequence_model is not None:
            position = {int(p): i + 1 for i, p in enumerate(sources.product_ids)}
            hist = np.array([position[p] for p in seq[:-1] if p in position], dtype=np.int64)
            probs = sasrec.next_item_probabilities(sequence_model, hist)[1:]
            sequential = np.where(source_rows[rows] >= 0, probs[np.maximum(source_rows[rows], 0)], 0.0)
        feats, _ = compute_features(catalogue, rows, profile=face_profile(user=users[user_id]), history=history,
                                    sources=sources, source_rows=source_rows[rows], sequential=sequential)
        xs.append(feats)
        ys.append((catalogue.ids[rows] == target).astype(int))
        groups.append(np.full(len(rows), user_id))
    x, y, g = np.concatenate(xs), np.concatenate(ys), np.concatenate(groups)
    mean, scale = x.mean(axis=0), np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    test_users = set(rng.choice(list(held_out), size=max(1, len(held_out) // 5), replace=False).tolist())
    is_test = np.isin(g, list(test_users))
    auc = None
    if y[is_test].min() != y[is_test].max() and y[~is_test].min() != y[~is_test].max():
        probe = LogisticRegression(max_iter=1000).fit((x[~is_test] - mean) / scale, y[~is_test])
        auc = round(float(roc_auc_score(y[is_test], probe.predict_proba((x[is_test] - mean) / scale)[:, 1])), 4)
    model = LogisticRegression(max_iter=1000).fit((x - mean) / scale, y)
    reranker = Reranker(mean=mean, scale=scale, coef=model.coef_[0], intercept=float(model.intercept_[0]))
    return reranker, {"kind": "logistic_regression", "examples": len(held_out), "rows": len(y),
                      "held_out_user_auc": auc, "coefficients": dict(zip(
                          FEATURES, [round(float(c), 4) for c in model.coef_[0]], strict=True))}
