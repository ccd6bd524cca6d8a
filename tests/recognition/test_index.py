"""The exact cosine index: same answers as a brute-force numpy search, through inserts, updates and removals."""

import numpy as np

from recognition.ml.index import CosineIndex


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_search_matches_brute_force_and_follows_changes():
    rng = np.random.default_rng(7)
    vectors = unit(rng.standard_normal((3000, 128)))
    groups = rng.integers(0, 5, 3000)
    index = CosineIndex(capacity=16)  # grows several times on the way
    index.upsert(list(range(3000)), vectors, groups)
    query = unit(vectors[42:43] + 0.3 * rng.standard_normal((1, 128)))[0]

    def brute(mask: np.ndarray, k: int) -> list[int]:
        keys = np.flatnonzero(mask)
        return keys[np.argsort(-(vectors[keys] @ query))[:k]].tolist()

    alive = np.ones(3000, bool)
    assert [k for k, _ in index.search(query, 5)] == brute(alive, 5)
    result = index.search(query, 3)
    assert abs(result[0][1] - float(vectors[42] @ query)) < 2e-3  # fp16 storage
    index.remove([42, 7, 2999])
    alive[[42, 7, 2999]] = False
    assert len(index) == 2997 and 42 not in index
    assert [k for k, _ in index.search(query, 5)] == brute(alive, 5)
    assert [k for k, _ in index.search(query, 4, group=3)] == brute(alive & (groups == 3), 4)
    assert index.count(group=3) == int((alive & (groups == 3)).sum())
    vectors[100] = query  # an update moves key 100 to the top
    index.upsert([100], vectors[100:101], [groups[100]])
    assert index.search(query, 1)[0][0] == 100


def test_empty_and_unknown_group():
    index = CosineIndex()
    query = np.ones(128, np.float32) / np.sqrt(128)
    assert index.search(query, 3) == []
    index.upsert(["a"], query[None], [1])
    assert index.search(query, 3, group=2) == []
    assert index.search(query, 3)[0][0] == "a"
    index.clear()
    assert len(index) == 0
