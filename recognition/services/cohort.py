"""Identification scores: cosine similarities AS-normalised against the active cohort of impostor faces.

The cohort is a file of unit embeddings of strangers (the shipped one: adult UTKFace faces that are never in the
evaluation protocols, built by ``build_score_cohort``), made with one embedding version and registered in the
model registry like any model file. Scores are only comparable within one cohort and embedding version, so the
decision threshold (``RECOGNITION_IDENTIFY_SCORE_THRESHOLD``) is chosen for the shipped cohort.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from beautyrec.core.ml.runtime import cached
from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import active_model_version, ensure_model_version, resolve_uri
from recognition.ml.score_norm import CohortStats, as_norm, cohort_stats
from recognition.services.embedding import EMBEDDING_VERSION

KIND: Final = "score_cohort"
SHIPPED_VERSION: Final = "utkface-adults-v1"
SHIPPED_URI: Final = "pkg:recognition/ml/weights/score_cohort_utkface_adults_v1.npz"
DEFAULT_TOP_K: Final = 200


@dataclass(frozen=True)
class ScoreCohort:
    vectors: np.ndarray  # (n, 128) float32 unit rows
    top_k: int  # cohort neighbours per side that AS-norm averages
    embedding_version: str

    def stats(self, vectors: np.ndarray) -> CohortStats:
        return cohort_stats(vectors, self.vectors, self.top_k)

    def scores(self, similarities: np.ndarray, probe: CohortStats, enrolled: CohortStats) -> np.ndarray:
        return as_norm(similarities, probe, enrolled)


def save_cohort(path: Path, vectors: np.ndarray, *, top_k: int, embedding_version: str = EMBEDDING_VERSION) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(fh, vectors=np.asarray(vectors, dtype=np.float16), top_k=np.int64(top_k),
                            embedding_version=np.str_(embedding_version))


def load_cohort(path: Path) -> ScoreCohort:
    with np.load(path) as data:
        vectors = data["vectors"].astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return ScoreCohort(vectors, int(data["top_k"]), str(data["embedding_version"]))


def cohort_model_version() -> ModelVersion:
    """The active cohort version; the shipped file is registered (and activated) on first use."""
    ensure_model_version(kind=KIND, version=SHIPPED_VERSION, uri=SHIPPED_URI,
                         notes="753 adult UTKFace faces (index 1 mod 4, never in the protocols), top 200 "
                               "(python manage.py build_score_cohort --ship)")
    return active_model_version(KIND)


def score_cohort() -> ScoreCohort:
    """The active cohort, loaded once per process and version."""
    mv = cohort_model_version()
    return cached((KIND, mv.version, mv.sha256), lambda: load_cohort(resolve_uri(mv.uri)))
