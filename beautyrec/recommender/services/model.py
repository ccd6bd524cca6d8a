"""The trained recommender artefact: learned sources, the re-ranker and (when trained) the sequence model.

A version is a folder under MODEL_ROOT: ``sources.npz`` (the registered file: popularity, cohort popularity,
item-item similarity, re-ranker weights) and, when enough sequences existed, ``sasrec.pt``. Serving loads the
active version once per process through ``core.ml.runtime.cached``.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from beautyrec.core.ml.runtime import cached, resolve_device
from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import resolve_uri
from beautyrec.recommender.ml import sasrec
from beautyrec.recommender.services.features import FEATURES, Sources

KIND = "recommender"
FRESHNESS_SECONDS = 5.0
_active_checked: tuple[float, tuple[str, str, str] | None] = (-1e9, None)
# The re-ranker before any interaction data exists: a documented prior over the same features (shade match
# dominates for a user with only a selfie; history sources take over once there is history).
PRIOR_VERSION = "prior"
PRIOR_WEIGHTS = {"shade_match": 4.0, "undertone_match": 1.0, "colour_fit": 2.0, "cohort_popularity": 1.0,
                 "popularity": 0.5, "co_occurrence": 2.5, "sequential": 2.5, "category_affinity": 1.0,
                 "brand_affinity": 0.5, "price_fit": 0.3}


@dataclass
class Reranker:
    """Logistic regression over standardised features (coefficients from scikit-learn)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def score(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def prior(cls) -> "Reranker":
        n = len(FEATURES)
        return cls(mean=np.zeros(n), scale=np.ones(n), coef=np.array([PRIOR_WEIGHTS[f] for f in FEATURES]),
                   intercept=-4.0)


@dataclass
class RecommenderModel:
    version: str
    sources: Sources | None
    reranker: Reranker
    sequence_model: Any | None  # ml.sasrec.SasRec over sources.product_ids (item i+1 = product_ids[i])

    def sequence_probabilities(self, positives: list[int]) -> np.ndarray | None:
        """P(next) over ``sources.product_ids`` from the user's positives, or None without a model/history."""
        if self.sequence_model is None or self.sources is None:
            return None
        position = self.sources.position
        history = np.array([position[p] + 1 for p in positives if p in position], dtype=np.int64)
        if not len(history):
            return None
        return sasrec.next_item_probabilities(self.sequence_model, history)[1:]


def save_artefact(folder: Path, *, sources: Sources, reranker: Reranker, sequence_model: Any | None,
                  metrics: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sim = sources.similarity if sources.similarity is not None else sparse.csr_matrix((0, 0))
    path = folder / "sources.npz"
    np.savez(path, product_ids=sources.product_ids, popularity=sources.popularity,
             cohort_popularity=sources.cohort_popularity, sim_data=sim.data, sim_indices=sim.indices,
             sim_indptr=sim.indptr, sim_shape=np.array(sim.shape), rr_mean=reranker.mean, rr_scale=reranker.scale,
             rr_coef=reranker.coef, rr_intercept=np.array([reranker.intercept]), features=np.array(FEATURES))
    if sequence_model is not None:
        sasrec.save_model(sequence_model, folder / "sasrec.pt", {"metrics": metrics})
    return path


def load_artefact(path: Path, version: str) -> RecommenderModel:
    blob = np.load(path, allow_pickle=False)
    if tuple(blob["features"].tolist()) != FEATURES:
        raise ValueError(f"{path} was trained on other features: {blob['features'].tolist()}")
    shape = tuple(int(v) for v in blob["sim_shape"])
    similarity = (sparse.csr_matrix((blob["sim_data"], blob["sim_indices"], blob["sim_indptr"]), shape=shape)
                  if shape[0] else None)
    sources = Sources(product_ids=blob["product_ids"], popularity=blob["popularity"],
                      cohort_popularity=blob["cohort_popularity"], similarity=similarity)
    reranker = Reranker(mean=blob["rr_mean"], scale=blob["rr_scale"], coef=blob["rr_coef"],
                        intercept=float(blob["rr_intercept"][0]))
    seq_path = path.parent / "sasrec.pt"
    sequence_model = sasrec.load_model(seq_path, resolve_device("cpu"))[0] if seq_path.is_file() else None
    return RecommenderModel(version=version, sources=sources, reranker=reranker, sequence_model=sequence_model)


def active_model() -> RecommenderModel:
    """The active registered version (loaded once per process), or the prior before any training. Which
    version is active is re-read at most every FRESHNESS_SECONDS."""
    global _active_checked
    now = time.monotonic()
    if now - _active_checked[0] > FRESHNESS_SECONDS:
        mv = ModelVersion.objects.filter(kind=KIND, is_active=True).only("version", "uri", "sha256").first()
        _active_checked = (now, None if mv is None else (mv.version, mv.uri, mv.sha256))
    active = _active_checked[1]
    if active is None:
        return RecommenderModel(version=PRIOR_VERSION, sources=None, reranker=Reranker.prior(),
                                sequence_model=None)
    version, uri, sha = active
    return cached((KIND, version, sha), lambda: load_artefact(resolve_uri(uri), version))


def forget_active() -> None:
    """Make the next request re-read the active version (after training activates a new one here)."""
    global _active_checked
    _active_checked = (-1e9, None)
