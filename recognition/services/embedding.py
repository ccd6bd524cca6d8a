"""Face embeddings (dlib's ResNet in torch) and aligned chips: public functions other apps may call.

The model loads once per worker process, lazily, on the device from ``ML_DEVICE``. Embeddings are unit
length, the average of the chip's and its mirror image's descriptors, so cosine similarity is a dot product.
"""

from collections.abc import Sequence

import numpy as np
from django.conf import settings

from beautyrec.core.ml.runtime import cached, configure_threads, resolve_device
from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import ensure_model_version
from recognition.ml.dlib_files import FILES, PACKAGE, model_path
from recognition.ml.embedder import FaceEmbedder, FaceViews, l2_normalize
from recognition.services.detection import FoundFace

EMBEDDING_KIND = "embedding"
EMBEDDING_VERSION = "dlib-resnet-v1"
EMBEDDING_URI = f"pkg:{PACKAGE}/models/{FILES['resnet']}"


def embedding_model_version() -> ModelVersion:
    """The registry row of the embedding network, registered (and activated if none is) on first use."""
    return ensure_model_version(
        kind=EMBEDDING_KIND, version=EMBEDDING_VERSION, uri=EMBEDDING_URI,
        notes="dlib_face_recognition_resnet_model_v1 (Davis King, public domain) run in torch; 128-D.",
    )


def embedder() -> FaceEmbedder:
    device = resolve_device(settings.ML_DEVICE)
    half = settings.EMBEDDING_FP16 and device.type == "cuda"

    def load() -> FaceEmbedder:
        configure_threads(settings.ML_NUM_THREADS)
        return FaceEmbedder.load(model_path("resnet"), device, half=half)

    return cached(("embedder", str(device), half), load)


def embed_faces(pixels: np.ndarray, faces: Sequence[FoundFace], *, flip: bool = True) -> np.ndarray:
    """(n, 128) float32 unit-length embeddings of ``faces`` found in ``pixels`` ((H, W, 3) uint8 RGB)."""
    engine = embedder()
    return l2_normalize(engine.descriptors(engine.chips(pixels, [f.landmarks5 for f in faces]), flip=flip))


def describe_faces(pixels: np.ndarray, faces: Sequence[FoundFace]) -> FaceViews:
    """Aligned chips, raw descriptors of each chip and of its mirror image, and the unit embeddings
    (``.embeddings``, the mean of both views) of ``faces``: one batched network pass."""
    return embedder().describe(pixels, [f.landmarks5 for f in faces])


def face_chips(pixels: np.ndarray, faces: Sequence[FoundFace], *, size: int = 150,
               padding: float = 0.25) -> np.ndarray:
    """(n, size, size, 3) uint8 aligned face chips, cut as ``dlib.get_face_chip`` does (eyes level, centred)."""
    return embedder().aligned_chips(pixels, [f.landmarks5 for f in faces], size=size, padding=padding)


def embed_images(items: Sequence[tuple[np.ndarray, Sequence[np.ndarray]]], *, flip: bool = True) -> list[np.ndarray]:
    """Unit-length embeddings for (pixels, [landmarks5, ...]) pairs of many images in one batched pass."""
    return [l2_normalize(d) for d in embedder().embed(items, flip=flip)]
