"""Mean and covariance of real face embeddings, and the cosines between two photos of one person, for
benchmarks that need millions of face-like vectors and probes that sit as far from their template as a real
returning user's photo does.

    .venv/bin/python bench/face_stats.py [--faces 2000]   # writes bench/face_stats.npz

Chips cut by dlib from LFW (``../shared/data``, the first ``--faces`` images with a face, as bench/embedding.py
does), described by dlib's own ResNet (the service's embedder matches it within 1e-3 cosine) and made unit
length. Unit random vectors in 128-D are the hardest case for a graph index (no structure at all); vectors
drawn from these statistics spread the way real galleries do. ``genuine`` holds the cosine of every pair of
distinct photos of one person among those faces. Only statistics are stored, no face.
"""

import argparse
from pathlib import Path

import dlib
import numpy as np
from embedding import load_faces  # bench/ is on sys.path when a bench script runs

from recognition.ml.dlib_files import model_path

OUTPUT = Path(__file__).with_name("face_stats.npz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=2000)
    args = parser.parse_args()
    chips, names = load_faces(args.faces)
    net = dlib.face_recognition_model_v1(str(model_path("resnet")))
    vectors = np.array(net.compute_face_descriptor([np.ascontiguousarray(c) for c in chips]), dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    _, first = np.unique(vectors.round(6), axis=0, return_index=True)
    first.sort()
    unique, people = vectors[first], np.array(names)[first]
    sims = unique @ unique.T
    pairs = np.triu_indices(len(unique), 1)
    same = (people[:, None] == people[None, :])[pairs]
    genuine = sims[pairs][same]
    np.savez(OUTPUT, mean=unique.mean(axis=0).astype(np.float32), cov=np.cov(unique.T).astype(np.float32),
             faces=len(unique), genuine=np.sort(genuine).astype(np.float32))
    print(f"{len(unique)} faces; mean pairwise cosine {sims[pairs].mean():.3f}; {len(genuine)} same-person pairs, "
          f"cosine median {np.median(genuine):.3f} (10th percentile {np.percentile(genuine, 10):.3f}); "
          f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
