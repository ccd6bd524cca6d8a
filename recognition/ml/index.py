"""An exact (brute-force) cosine index over unit vectors, held in memory by each worker process.

Rows are stored as float16: half the memory of float32 (256 MB for a million 128-D vectors) and, because a
scan over a large gallery is limited by memory bandwidth, about three times faster on CPU (torch's fp16
matrix-vector product measured 31-40 ms against 100 ms for fp32 over 1M x 128 on the 2-core development
machine). Scores from fp16 rows are within about 1e-3 of fp32; callers re-score the returned candidates.

The scan runs on one intra-op thread (see ``recognition.ml.threads``): a memory-bound matrix-vector product
gains nothing from a second thread here, while the pool's hand-offs cost milliseconds per call on a busy
machine (measured with other jobs running: 0.3 vs 16 ms at 10k rows, 54 vs 72 ms at 1M).
"""

from collections.abc import Hashable, Sequence

import numpy as np
import torch

from recognition.ml.threads import one_intra_op_thread

STORAGE_DTYPE = torch.float16


class CosineIndex:
    def __init__(self, dim: int = 128, capacity: int = 1024) -> None:
        self.dim = dim
        self._matrix = torch.zeros((capacity, dim), dtype=STORAGE_DTYPE)
        self._groups = np.zeros(capacity, dtype=np.int64)
        self._keys: list[Hashable] = []
        self._rows: dict[Hashable, int] = {}
        self._group_rows: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._rows

    def _grow(self, needed: int) -> None:
        capacity = len(self._matrix)
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity * 2)
        matrix = torch.zeros((new_capacity, self.dim), dtype=STORAGE_DTYPE)
        matrix[:len(self)] = self._matrix[:len(self)]
        groups = np.zeros(new_capacity, dtype=np.int64)
        groups[:len(self)] = self._groups[:len(self)]
        self._matrix, self._groups = matrix, groups

    def upsert(self, keys: Sequence[Hashable], vectors: np.ndarray, groups: Sequence[int]) -> None:
        """Insert or replace rows; ``groups`` (e.g. owner ids) allow searching one group only."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(keys), self.dim)
        new = [k for k in dict.fromkeys(keys) if k not in self._rows]
        self._grow(len(self) + len(new))
        for key in new:
            self._rows[key] = len(self._keys)
            self._keys.append(key)
        rows = np.array([self._rows[k] for k in keys], dtype=np.int64)
        self._matrix[torch.from_numpy(rows)] = torch.from_numpy(vectors).to(STORAGE_DTYPE)
        self._groups[rows] = np.asarray(groups, dtype=np.int64)
        self._group_rows.clear()

    def remove(self, keys: Sequence[Hashable]) -> None:
        """Drop rows by moving the last row into each hole (order is not meaningful)."""
        for key in keys:
            row = self._rows.pop(key, None)
            if row is None:
                continue
            last = len(self._keys) - 1
            if row != last:
                moved = self._keys[last]
                self._keys[row] = moved
                self._rows[moved] = row
                self._matrix[row] = self._matrix[last]
                self._groups[row] = self._groups[last]
            self._keys.pop()
        self._group_rows.clear()

    def clear(self) -> None:
        self._keys.clear()
        self._rows.clear()
        self._group_rows.clear()

    def vector(self, key: Hashable) -> np.ndarray:
        return self._matrix[self._rows[key]].float().numpy()

    def _rows_of(self, group: int) -> np.ndarray:
        rows = self._group_rows.get(group)
        if rows is None:
            rows = np.flatnonzero(self._groups[:len(self)] == group)
            self._group_rows[group] = rows
        return rows

    def count(self, group: int | None = None) -> int:
        return len(self) if group is None else len(self._rows_of(group))

    def search(self, query: np.ndarray, k: int, *, group: int | None = None) -> list[tuple[Hashable, float]]:
        """The ``k`` keys with the largest dot product with ``query``, best first, with their fp16 scores."""
        n = len(self)
        if n == 0 or k <= 0:
            return []
        q = torch.from_numpy(np.asarray(query, dtype=np.float32).reshape(self.dim)).to(STORAGE_DTYPE)
        rows = None if group is None else self._rows_of(group)
        if rows is not None and not len(rows):
            return []
        with one_intra_op_thread():
            matrix = self._matrix[:n] if rows is None else self._matrix[torch.from_numpy(rows)]
            top = torch.topk(torch.mv(matrix, q).float(), min(k, len(matrix)))
        positions = top.indices.numpy() if rows is None else rows[top.indices.numpy()]
        return [(self._keys[p], float(s)) for p, s in zip(positions, top.values.numpy(), strict=True)]
