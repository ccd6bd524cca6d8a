"""Head input views of labelled UTKFace files, shared by ``train_attribute_heads`` and ``eval_attributes``.

Each file goes through the serving path: decode, ``find_faces`` (HOG upsampled once, landmarks of
``LANDMARK_POINTS``), the largest face, its aligned chip and mirror, the project's embedder's descriptor and
pooled activations of both (``face_network_features``) and the age/gender networks' outputs on both views.
Results are cached in an ``.npz`` keyed by file name and landmark mode, so training and evaluation on the
same folder describe each file once.
"""

import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beautyrec.core.images import decode_image
from recognition.ml.attributes.utkface import UtkRecord
from recognition.ml.embedder import FEATURE_DIM
from recognition.services.attributes import face_aux_features, face_network_features, head_inputs
from recognition.services.detection import find_faces, landmark_points


@dataclass(frozen=True)
class DescribedSet:
    names: list[str]
    found: np.ndarray  # (n,) bool: a face was detected
    features: np.ndarray  # (n, 2 views, 384): descriptor and pooled features (``face_network_features``)
    aux: np.ndarray  # (n, 2 views, 2): the age/gender networks' features (see ``face_aux_features``)

    def head_inputs(self, rows: np.ndarray) -> list[np.ndarray]:
        """The heads' two input views (chip, mirror) of the selected rows."""
        return head_inputs(self.features[rows], self.aux[rows])


Described = tuple[bool, np.ndarray, np.ndarray]
CACHE_FORMAT = 3


def describe_file(path: Path) -> Described:
    """(face found, network features, age/gender networks' features) of the largest face in one file."""
    pixels = decode_image(path.read_bytes()).pixels
    faces = find_faces(pixels)
    if not faces:
        return False, np.zeros((2, FEATURE_DIM)), np.zeros((2, 2))
    face = max(faces, key=lambda f: f.area)
    return True, face_network_features(pixels, [face])[0], face_aux_features(pixels, [face])[0]


def _describe_chunk(paths: list[Path]) -> list[Described]:
    return [describe_file(p) for p in paths]


def _described_chunks(chunks: list[list[Path]], workers: int) -> Iterator[list[Described]]:
    """Each chunk's results in order: in this process for one worker, else in forked children, which inherit the
    configured Django settings and load the models lazily (the commands fork before they run any torch code)."""
    if workers <= 1:
        yield from map(_describe_chunk, chunks)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_describe_chunk, chunks)


def describe_records(records: list[UtkRecord], *, cache: Path | None, workers: int = 1,
                     progress: Callable[[int], None] | None = None) -> DescribedSet:
    """Descriptor views for every record, reusing and extending ``cache``; ``progress(n)`` after each chunk."""
    mode = landmark_points()
    known: dict[str, Described] = {}
    if cache is not None and cache.is_file():
        with np.load(cache) as data:
            if int(data["landmark_points"]) == mode and int(data.get("format", 1)) == CACHE_FORMAT:
                for name, found, features, aux in zip(data["names"], data["found"], data["features"],
                                                      data["aux"], strict=True):
                    known[str(name)] = (bool(found), features, aux)
    missing = [r.path for r in records if r.path.name not in known]
    chunks = [missing[i:i + 32] for i in range(0, len(missing), 32)]
    if progress is not None:
        progress(len(records) - len(missing))
    if chunks:
        for chunk, results in zip(chunks, _described_chunks(chunks, workers), strict=True):
            for path, result in zip(chunk, results, strict=True):
                known[path.name] = result
            if progress is not None:
                progress(len(chunk))
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            names = sorted(known)
            np.savez(cache, format=CACHE_FORMAT, landmark_points=mode, names=np.array(names),
                     found=np.array([known[n][0] for n in names]), features=np.array([known[n][1] for n in names]),
                     aux=np.array([known[n][2] for n in names]))
    rows = [known[r.path.name] for r in records]
    return DescribedSet(
        names=[r.path.name for r in records],
        found=np.array([r[0] for r in rows], dtype=bool),
        features=np.array([r[1] for r in rows], dtype=np.float32).reshape(len(rows), 2, FEATURE_DIM),
        aux=np.array([r[2] for r in rows]).reshape(len(rows), 2, 2),
    )
