"""Faces per second of the torch embedder against dlib's own compute_face_descriptor, on the same chips.

    .venv/bin/python bench/embedding.py [--faces 128] [--repeats 3] [--threads 2]

Chips are cut once by dlib (get_face_chip, 150 px, padding 0.25) from LFW images (../shared/data, or the test
fixtures without it). dlib (dlib-bin: one core, no BLAS) embeds them with its batch API; torch runs batch 32
with ``--threads`` intra-op threads and channels_last, plain descriptors (no flip), like for like. Medians of
``--repeats`` runs. With a GPU, also faces/second at batch 256 in fp32 and fp16.
"""

import argparse
import statistics
import time
from pathlib import Path

import dlib
import numpy as np
import torch
from PIL import Image

from recognition.ml.dlib_files import model_path
from recognition.ml.embedder import FaceEmbedder
from recognition.ml.resnet import DlibFaceResNet

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT.parent / "shared" / "data" / "lfw" / "images", ROOT / "tests" / "fixtures" / "faces")


def load_chips(count: int) -> np.ndarray:
    return load_faces(count)[0]


def load_faces(count: int) -> tuple[np.ndarray, list[str]]:
    """``count`` chips and the name of the person in each (the image's folder)."""
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(model_path("landmarks5")))
    source = next(s for s in SOURCES if s.is_dir())
    chips, names = [], []
    for path in sorted(source.rglob("*.jpg")):
        pixels = np.asarray(Image.open(path).convert("RGB"))
        rects = detector(pixels, 1)
        if rects:
            chips.append(np.asarray(dlib.get_face_chip(pixels, predictor(pixels, rects[0]), size=150, padding=0.25)))
            names.append(path.parent.name)
        if len(chips) == count:
            break
    while len(chips) < count:  # the fixtures alone hold fewer faces than asked for: reuse them
        chips.append(chips[len(chips) % max(1, len(chips))])
        names.append(names[len(names) % max(1, len(names))])
    return np.stack(chips), names


def timed(fn, repeats: int) -> float:
    fn()  # warm-up (allocations, oneDNN/cuDNN kernel choice)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    chips = load_chips(args.faces)
    print(f"{len(chips)} chips; torch {torch.__version__}, {args.threads} threads; dlib {dlib.__version__}")

    net = dlib.face_recognition_model_v1(str(model_path("resnet")))
    dlib_chips = [np.ascontiguousarray(c) for c in chips]
    dlib_s = timed(lambda: net.compute_face_descriptor(dlib_chips), args.repeats)
    dlib_rate = len(chips) / dlib_s
    print(f"dlib compute_face_descriptor:     {dlib_rate:8.1f} faces/s")

    model = DlibFaceResNet.from_dlib(model_path("resnet"))
    tensor = torch.from_numpy(chips).permute(0, 3, 1, 2).float()
    embedder = FaceEmbedder(model, torch.device("cpu"), batch_size=32)
    torch_s = timed(lambda: embedder.descriptors(tensor, flip=False), args.repeats)
    torch_rate = len(chips) / torch_s
    flip_rate = len(chips) / timed(lambda: embedder.descriptors(tensor, flip=True), args.repeats)
    print(f"torch CPU, batch 32:              {torch_rate:8.1f} faces/s")
    print(f"torch CPU, batch 32, flip-avg:    {flip_rate:8.1f} faces/s (the service's setting)")
    print(f"ratio torch/dlib:                 {torch_rate / dlib_rate:8.1f}x")

    if torch.cuda.is_available():
        device = torch.device("cuda")
        big = tensor.repeat((256 * 8) // len(tensor) + 1, 1, 1, 1)[:256 * 8].to(device)
        for half in (False, True):
            gpu = FaceEmbedder(DlibFaceResNet.from_dlib(model_path("resnet")), device, half=half, batch_size=256)

            def run(gpu: FaceEmbedder = gpu) -> None:
                gpu.descriptors(big, flip=False)
                torch.cuda.synchronize()

            rate = len(big) / timed(run, args.repeats)
            print(f"torch {torch.cuda.get_device_name()}, batch 256, {'fp16' if half else 'fp32'}: {rate:8.0f} faces/s")


if __name__ == "__main__":
    main()
