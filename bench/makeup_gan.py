"""Makeup GAN speed: training steps per second on each device present, and milliseconds per transfer at 512 px.

    .venv/bin/python bench/makeup_gan.py [--steps 20] [--batch-size 8] [--repeats 10] [--device cpu|cuda|all]

Training runs the real step (pseudo-pair rendering, discriminator and generator updates, the identity term on
its schedule) on the fixture faces (tests/fixtures: UTKFace crops and LFW photos) after two warm-up steps; the
renderer's pseudo-pairs are made on the CPU whatever the device. The transfer is the shipped checkpoint on the
MT fixture pair, the face scaled so that the photo's long side is 512 px, landmarks excluded (cropping,
measuring both faces, the network and pasting back included): the issue's target is 250 ms on a CPU.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import django
import numpy as np
import torch
from PIL import Image

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")
django.setup()

from gan.ml import makeup_gan  # noqa: E402 - needs the settings above
from gan.ml.training import FaceBank, TrainConfig, train  # noqa: E402
from gan.services import makeup_gan as service  # noqa: E402
from recognition.services.analysis import detect_faces  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
WEIGHTS = Path(makeup_gan.__file__).parent / "weights" / "makeup_gan_default.pt"


def fixture_faces() -> tuple[FaceBank, np.ndarray]:
    paths = sorted((FIXTURES / "utkface").glob("*.jpg")) + sorted((FIXTURES / "faces").glob("*.jpg"))
    crops, marks = service.crop_faces(paths)
    return FaceBank(crops, marks), crops


def steps_per_second(device: torch.device, steps: int, batch_size: int) -> float:
    bank, real = fixture_faces()
    book = service.shade_book(FIXTURES / "shared_subset")
    embed = service.embedding_network()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.pt"
        warm = TrainConfig(steps=2, batch_size=batch_size, checkpoint_every=10_000)
        train(bank, real, book, warm, state_path=state, embed=embed, device=device)
        config = TrainConfig(steps=2 + steps, batch_size=batch_size, checkpoint_every=10_000)
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        train(bank, real, book, config, state_path=state, embed=embed, device=device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return steps / (time.perf_counter() - start)


def scaled(path: Path, side: int) -> tuple[np.ndarray, np.ndarray]:
    image = Image.open(path).convert("RGB")
    scale = side / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR)
    pixels = np.asarray(image)
    return pixels, max(detect_faces(pixels), key=lambda f: f.area).landmarks68


def transfer_ms(device: torch.device, repeats: int, side: int = 512) -> tuple[float, float]:
    model = makeup_gan.load_transfer(str(WEIGHTS), device)
    face, face_lm = scaled(FIXTURES / "makeup" / "images" / "examples_images_non-makeup_xfsy_0058.png", side)
    ref, ref_lm = scaled(FIXTURES / "makeup" / "images" / "examples_images_makeup_vFG112.png", side)
    model(face, face_lm, ref, ref_lm)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(face, face_lm, ref, ref_lm)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times)), float(np.percentile(times, 90))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=TrainConfig().batch_size)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--device", default="all", help="cpu, cuda, or all (every device present)")
    args = parser.parse_args()
    names = ["cpu", "cuda"] if args.device == "all" else [args.device]
    for name in names:
        if name == "cuda" and not torch.cuda.is_available():
            print("cuda: no GPU visible, not measured")
            continue
        device = torch.device(name)
        rate = steps_per_second(device, args.steps, args.batch_size)
        p50, p90 = transfer_ms(device, args.repeats)
        print(f"{name}: training {rate:.2f} steps/s (batch {args.batch_size}, torch threads "
              f"{torch.get_num_threads()}); transfer at 512 px p50 {p50:.1f} ms, p90 {p90:.1f} ms")


if __name__ == "__main__":
    main()
