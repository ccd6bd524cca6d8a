"""Adaptive symmetric score normalisation (AS-norm) of cosine similarities against a cohort of impostor faces.

A raw similarity means different things for different faces: a frontal, well-lit face is close to many strangers
(its impostor scores run high), a profile or dark photo is close to few. AS-norm measures, for each side of a
comparison, the mean and spread of its K most similar cohort faces (strangers to everyone) and scores the
comparison by how far above its own impostor neighbourhood it stands, averaged over both sides. One threshold on
the normalised score then means about the same false-accept rate for every face, which is what a 1:N decision
at a fixed false-positive identification rate needs.
"""

from dataclasses import dataclass

import numpy as np

MIN_SPREAD = 1e-3


@dataclass(frozen=True)
class CohortStats:
    mean: np.ndarray  # (n,) mean of each vector's top-K cohort similarities
    std: np.ndarray  # (n,) their standard deviation (at least MIN_SPREAD)

    def column(self) -> "CohortStats":
        """The statistics as (n, 1) columns, to broadcast along the rows of an (n, m) similarity matrix."""
        return CohortStats(self.mean[:, None], self.std[:, None])

    def take(self, rows: np.ndarray) -> "CohortStats":
        """The statistics of ``rows`` (any integer array shape)."""
        return CohortStats(self.mean[rows], self.std[rows])


def cohort_stats(vectors: np.ndarray, cohort: np.ndarray, top_k: int) -> CohortStats:
    """Statistics of each unit row of ``vectors`` against its ``top_k`` most similar unit rows of ``cohort``."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    similarities = vectors @ np.asarray(cohort, dtype=np.float32).T
    k = min(top_k, similarities.shape[1])
    top = np.partition(similarities, similarities.shape[1] - k, axis=1)[:, -k:]
    return CohortStats(top.mean(axis=1), np.maximum(top.std(axis=1), MIN_SPREAD))


def as_norm(similarities: np.ndarray, probe: CohortStats, enrolled: CohortStats) -> np.ndarray:
    """AS-norm scores; the statistics broadcast against ``similarities`` as numpy arrays do (for a (probes,
    enrolled) matrix pass ``probe.column()`` and the enrolled rows' statistics)."""
    similarities = np.asarray(similarities, dtype=np.float32)
    return 0.5 * ((similarities - probe.mean) / probe.std + (similarities - enrolled.mean) / enrolled.std)
