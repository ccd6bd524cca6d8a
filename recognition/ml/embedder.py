"""Face descriptors from images and 5-point landmarks: alignment and the ResNet on one device, batched.

Chips are cut on the model's device (one call per image and pyramid level), then all chips of a call go
through the network in batches; on CPU each batch is spread over the configured threads as sub-batches.
``flip`` averages each chip's descriptor with its mirror image's, which lifts LFW accuracy by about 0.4
points for twice the network work.
"""

import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from recognition.ml.alignment import extract_chips, face_chip_details
from recognition.ml.resnet import CHIP_SIZE, DlibFaceResNet
from recognition.ml.threads import one_intra_op_thread

# Smaller sub-batches lose more to per-call overhead than a second core gains (a selfie's 2 chips: 30 ms on
# one thread, 48 ms split over two on the shared box).
MIN_SUB_BATCH = 8

DESCRIPTOR_DIM = 128
POOLED_DIM = 256
# The attribute heads' per-view input from this network: the descriptor, then the pooled activations. The
# descriptor is trained to keep identity and drops directions that still carry age and gender.
FEATURE_DIM = DESCRIPTOR_DIM + POOLED_DIM

ImageFaces = tuple[np.ndarray, Sequence[np.ndarray]]  # (H, W, 3) uint8 RGB, [(5, 2) landmarks, ...]


class FaceEmbedder:
    def __init__(self, model: DlibFaceResNet, device: torch.device, *, half: bool = False,
                 batch_size: int = 32) -> None:
        if half and device.type != "cuda":
            raise ValueError("fp16 inference is only used on cuda")
        self.device = device
        self.half = half
        self.batch_size = batch_size
        self.memory_format = torch.channels_last  # faster convolutions on both CPU (oneDNN) and cuda
        model = model.to(device=device, memory_format=self.memory_format)
        self.model = (model.half() if half else model).eval()
        # On CPU the configured threads run sub-batches side by side, each operator on one thread.
        self.workers = torch.get_num_threads() if device.type == "cpu" else 1
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embedder") if self.workers > 1 else None

    @classmethod
    def load(cls, path: Path, device: torch.device, *, half: bool = False, batch_size: int = 32) -> "FaceEmbedder":
        return cls(DlibFaceResNet.from_dlib(path), device, half=half, batch_size=batch_size)

    def _threads(self) -> AbstractContextManager:
        """One intra-op thread for everything this object runs on CPU (see ``recognition.ml.threads``)."""
        return one_intra_op_thread() if self.device.type == "cpu" else nullcontext()

    def chips(self, pixels: np.ndarray, landmarks5: Sequence[np.ndarray], *, padding: float = 0.25,
              size: int = CHIP_SIZE) -> torch.Tensor:
        """(N, 3, size, size) float chips on the device, exactly as ``dlib.get_face_chip`` cuts them."""
        image = torch.from_numpy(np.array(pixels, dtype=np.uint8)).to(self.device).permute(2, 0, 1)
        details = [face_chip_details(np.asarray(lm, dtype=np.float64), size=size, padding=padding)
                   for lm in landmarks5]
        with self._threads():
            return extract_chips(image, details)

    def aligned_chips(self, pixels: np.ndarray, landmarks5: Sequence[np.ndarray], *, padding: float = 0.25,
                      size: int = CHIP_SIZE) -> np.ndarray:
        """The same chips as (N, size, size, 3) uint8 RGB arrays on the CPU."""
        return _to_uint8_images(self.chips(pixels, landmarks5, padding=padding, size=size))

    def _forward(self, batch: torch.Tensor, *, pooled: bool = False) -> torch.Tensor:
        with torch.inference_mode():
            batch = batch.to(torch.float16 if self.half else torch.float32)
            activations = self.model.pooled(batch.contiguous(memory_format=self.memory_format))
            descriptors = self.model.fc(activations)
            out = torch.cat([descriptors, activations], dim=1) if pooled else descriptors
            return out.float().cpu()

    def _run(self, batch: torch.Tensor, *, pooled: bool = False) -> torch.Tensor:
        """The network on one batch: on CPU split into up to ``workers`` sub-batches run side by side."""
        forward = functools.partial(self._forward, pooled=pooled)
        parts = min(self.workers, len(batch) // MIN_SUB_BATCH)
        if self._pool is None or parts <= 1:
            return forward(batch)
        return torch.cat(list(self._pool.map(forward, torch.chunk(batch, parts))))

    def descriptor_views(self, chips: torch.Tensor, *, pooled: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Raw dlib descriptors (N, 128) of the chips and of their mirror images, from one batched pass; with
        ``pooled`` each row continues with the pooled activations that ``fc`` projects (N, FEATURE_DIM)."""
        plain, mirrored = [], []
        with self._threads():
            for start in range(0, len(chips), self.batch_size):
                batch = chips[start:start + self.batch_size].to(self.device)
                result = self._run(torch.cat([batch, batch.flip(-1)]), pooled=pooled)
                plain.append(result[:len(batch)])
                mirrored.append(result[len(batch):])
        if not plain:
            empty = np.empty((0, FEATURE_DIM if pooled else DESCRIPTOR_DIM), dtype=np.float32)
            return empty, empty.copy()
        return torch.cat(plain).numpy(), torch.cat(mirrored).numpy()

    def descriptors(self, chips: torch.Tensor, *, flip: bool = True) -> np.ndarray:
        """(N, 128) float32 raw dlib descriptors of (N, 3, 150, 150) chips with values 0-255; with ``flip``
        the mean of each chip's and its mirror image's descriptor."""
        if flip:
            plain, mirrored = self.descriptor_views(chips)
            return (plain + mirrored) / 2
        with self._threads():
            out = [self._run(chips[start:start + self.batch_size].to(self.device))
                   for start in range(0, len(chips), self.batch_size)]
        if not out:
            return np.empty((0, 128), dtype=np.float32)
        return torch.cat(out).numpy()

    def describe(self, pixels: np.ndarray, landmarks5: Sequence[np.ndarray]) -> "FaceViews":
        """Everything analysis needs for one image's faces from one network pass: chips, and per view the
        descriptor and the pooled activations (the attribute heads' input)."""
        chips = self.chips(pixels, landmarks5)
        plain, mirrored = self.descriptor_views(chips, pooled=True)
        with self._threads():
            return FaceViews(features=np.stack([plain, mirrored], axis=1), chips=_to_uint8_images(chips))

    def embed(self, items: Sequence[ImageFaces], *, flip: bool = True) -> list[np.ndarray]:
        """Descriptors for the faces of several images in one batched pass: one (n_i, 128) array per image."""
        chips = [self.chips(pixels, faces) for pixels, faces in items]
        counts = [len(c) for c in chips]
        if not sum(counts):
            return [np.empty((0, 128), dtype=np.float32) for _ in items]
        with self._threads():
            merged = torch.cat(chips)
        descriptors = self.descriptors(merged, flip=flip)
        return np.split(descriptors, np.cumsum(counts)[:-1])


@dataclass(frozen=True)
class FaceViews:
    features: np.ndarray  # (N, 2 views: chip, mirror, FEATURE_DIM): raw descriptor, then pooled activations
    chips: np.ndarray  # (N, 150, 150, 3) uint8

    @property
    def plain(self) -> np.ndarray:
        """(N, 128) raw descriptors of the chips."""
        return self.features[:, 0, :DESCRIPTOR_DIM]

    @property
    def mirrored(self) -> np.ndarray:
        """(N, 128) raw descriptors of the mirrored chips."""
        return self.features[:, 1, :DESCRIPTOR_DIM]

    @property
    def embeddings(self) -> np.ndarray:
        """Unit-length means of both views: the service's embeddings."""
        return l2_normalize((self.plain + self.mirrored) / 2)


def _to_uint8_images(chips: torch.Tensor) -> np.ndarray:
    return chips.permute(0, 2, 3, 1).to(torch.uint8).cpu().numpy()


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Unit-length rows (cosine similarity becomes a dot product); zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1)).astype(np.float32)
