"""Sequence data sets, the leave-one-out protocol and the two baselines (numpy/scipy only).

The protocol is the one of the S3-Rec/ICLRec evaluation code for the ``user item item ...`` files: per user the
last item is the test target and the second-to-last the validation target; every item is ranked (no sampled
negatives) after the items already in the user's history are removed from the ranking.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

CUTOFFS = (5, 10, 20)


@dataclass(frozen=True)
class SequenceDataset:
    """Users' item sequences in time order; items are numbered 1..n_items (0 is padding)."""

    sequences: list[np.ndarray]
    n_items: int

    @property
    def n_users(self) -> int:
        return len(self.sequences)


def load_sequences(path: str | Path) -> SequenceDataset:
    """Read ``user_id item_id item_id ...`` lines; item ids are remapped densely to 1..n in order of appearance."""
    mapping: dict[str, int] = {}
    sequences = []
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 4:
                raise ValueError(f"line {line_no}: a user needs at least 3 items for leave-one-out, got "
                                 f"{len(parts) - 1}")
            sequences.append(np.array([mapping.setdefault(i, len(mapping) + 1) for i in parts[1:]], dtype=np.int64))
    if not sequences:
        raise ValueError("the data set has no users")
    return SequenceDataset(sequences=sequences, n_items=len(mapping))


def split_histories(data: SequenceDataset, stage: str) -> tuple[list[np.ndarray], np.ndarray]:
    """(histories, targets) for ``valid`` (history = all but the last two) or ``test`` (all but the last)."""
    cut = {"valid": 2, "test": 1}[stage]
    histories = [s[:-cut] for s in data.sequences]
    targets = np.array([s[-cut] for s in data.sequences], dtype=np.int64)
    return histories, targets


def history_matrix(histories: list[np.ndarray], n_items: int, weights: Callable[[int], np.ndarray] | None = None
                   ) -> sparse.csr_matrix:
    """users x (n_items + 1) matrix of the history (1, or a per-position weight; repeats keep the latest)."""
    rows, cols, vals = [], [], []
    for u, h in enumerate(histories):
        rows.append(np.full(len(h), u))
        cols.append(h)
        vals.append(np.ones(len(h)) if weights is None else weights(len(h)))
    m = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(len(histories), n_items + 1)).tocsr()
    if weights is None:
        m.data[:] = 1.0
    return m


def ranks_of_targets(scores: np.ndarray, histories: list[np.ndarray], targets: np.ndarray) -> np.ndarray:
    """0-based rank of each target among all items, history items and padding removed (ties count against)."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    scores[:, 0] = -np.inf
    for row, h in enumerate(histories):
        scores[row, h] = -np.inf
    target_scores = scores[np.arange(len(targets)), targets]
    return (scores > target_scores[:, None]).sum(axis=1) + 0.5 * ((scores == target_scores[:, None]).sum(axis=1) - 1)


def metrics_from_ranks(ranks: np.ndarray) -> dict[str, float]:
    """HR@k and NDCG@k (one relevant item) from 0-based ranks; half ranks from ties are floored for the hit test."""
    ranks = np.floor(ranks)
    out = {}
    for k in CUTOFFS:
        hit = ranks < k
        out[f"HR@{k}"] = round(float(hit.mean()), 4)
        out[f"NDCG@{k}"] = round(float(np.where(hit, 1.0 / np.log2(ranks + 2), 0.0).mean()), 4)
    return out


def evaluate(score_batch: Callable[[np.ndarray], np.ndarray], histories: list[np.ndarray], targets: np.ndarray,
             batch_size: int = 1024) -> dict[str, float]:
    """Full-ranking metrics of a scorer ``score_batch(user_indices) -> (batch, n_items + 1) scores``."""
    ranks = []
    for start in range(0, len(targets), batch_size):
        users = np.arange(start, min(start + batch_size, len(targets)))
        ranks.append(ranks_of_targets(score_batch(users), [histories[u] for u in users], targets[users]))
    return metrics_from_ranks(np.concatenate(ranks))


def popularity_scores(histories: list[np.ndarray], n_items: int) -> np.ndarray:
    """Interaction counts over the given histories (what a non-personalised shop would show)."""
    return np.bincount(np.concatenate(histories), minlength=n_items + 1).astype(np.float64)


@dataclass(frozen=True)
class KnnParams:
    """Cosine item-item similarity with asymmetric normalisation, neighbour pruning and recency-weighted history."""

    alpha: float = 0.5
    shrink: float = 0.0
    neighbours: int = 200
    decay: float = 1.0

    def history_weights(self, length: int) -> np.ndarray:
        return self.decay ** np.arange(length - 1, -1, -1, dtype=np.float64)


class ItemKnn:
    """Item-to-item collaborative filtering: score(i) = sum over history items h of w_h * sim(h, i)."""

    def __init__(self, histories: list[np.ndarray], n_items: int, params: KnnParams):
        self.params = params
        self.n_items = n_items
        x = history_matrix(histories, n_items)
        counts = np.asarray(x.sum(axis=0)).ravel()
        co = (x.T @ x).tocsr().astype(np.float64)
        co.setdiag(0)
        co.eliminate_zeros()
        co = co.tocoo()
        norm = np.power(np.maximum(counts, 1.0), params.alpha)[co.row] * np.power(
            np.maximum(counts, 1.0), 1.0 - params.alpha)[co.col]
        co = sparse.csr_matrix((co.data / (norm + params.shrink), (co.row, co.col)), shape=co.shape)
        self.similarity = _top_k_rows(co, params.neighbours)
        self.histories = histories

    def scores(self, users: np.ndarray, histories: list[np.ndarray] | None = None) -> np.ndarray:
        hist = histories if histories is not None else [self.histories[u] for u in users]
        w = history_matrix(hist, self.n_items, self.params.history_weights)
        return np.asarray((w @ self.similarity).todense())


def _top_k_rows(m: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Keep the k largest entries of each row (the item's nearest neighbours)."""
    m = m.tocsr()
    indptr, indices, data = [0], [], []
    for row in range(m.shape[0]):
        lo, hi = m.indptr[row], m.indptr[row + 1]
        vals = m.data[lo:hi]
        cols = m.indices[lo:hi]
        if len(vals) > k:
            keep = np.argpartition(-vals, k)[:k]
            vals, cols = vals[keep], cols[keep]
        indices.append(cols)
        data.append(vals)
        indptr.append(indptr[-1] + len(vals))
    return sparse.csr_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr)), shape=m.shape)
