"""The makeup GAN's data, training run, registry entry and serving model.

Training data needs no download: real faces from ``SHARED_DATA_DIR`` (UTKFace crops and LFW), real product
shades from its catalogue files, and, for the discriminator's real class, UTKFace photos of adult women that are
not among the training faces. No MT image (the makeup-transfer evaluation set) is used in training. Faces are
found, landmarked and cropped once; the crops are cached under ``MODEL_ROOT`` so a resumed run starts at once.
"""

import csv
import hashlib
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
from django.conf import settings

from beautyrec.core import colour
from beautyrec.core.errors import UnprocessableInput
from beautyrec.core.images import decode_image
from beautyrec.core.ml.runtime import cached, configure_threads, evict, resolve_device
from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import (
    active_model_version,
    ensure_model_version,
    package_dir,
    register_model_version,
    resolve_uri,
)
from gan.ml import makeup_gan
from gan.ml.training import FaceBank, ShadeBook, TrainConfig, holdout_metrics, train
from recognition.ml.dlib_files import model_path
from recognition.ml.resnet import DlibFaceResNet
from recognition.services.analysis import detect_faces

GAN_KIND: Final = "makeup_gan"
DEFAULT_VERSION: Final = "default-v2"
DEFAULT_URI: Final = "pkg:gan/ml/weights/makeup_gan_default.pt"
UTK_AGES: Final = (16, 65)
REAL_AGES: Final = (18, 45)


def training_face_paths(data_dir: Path, count: int, seed: int) -> list[Path]:
    """UTKFace crops of adults (three in four) and LFW photos (one in four), drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    utk = sorted(p for p in (data_dir / "utkface").glob("*.jpg")
                 if UTK_AGES[0] <= int(p.name.split("_")[0]) <= UTK_AGES[1])
    lfw = sorted((data_dir / "lfw" / "images").glob("*/*.jpg"))
    n_utk = min(len(utk), count * 3 // 4)
    n_lfw = min(len(lfw), count - n_utk)
    picks = [utk[i] for i in rng.choice(len(utk), n_utk, replace=False)] if n_utk else []
    picks += [lfw[i] for i in rng.choice(len(lfw), n_lfw, replace=False)] if n_lfw else []
    return picks


def crop_faces(paths: list[Path], progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """128 px crops and crop-space landmarks of the largest face of each image (images without one skipped)."""
    crops, marks = [], []
    for path in paths:
        pixels = decode_image(path.read_bytes()).pixels
        faces = sorted(detect_faces(pixels), key=lambda f: f.area, reverse=True)
        if faces and faces[0].landmarks68 is not None:
            box = makeup_gan.CropBox.around(faces[0].landmarks68)
            crops.append(box.cut(pixels))
            marks.append(box.to_crop(faces[0].landmarks68))
        if progress is not None:
            progress(1)
    if not crops:
        return np.zeros((0, makeup_gan.CROP, makeup_gan.CROP, 3), np.uint8), np.zeros((0, 68, 2))
    return np.stack(crops), np.stack(marks)


def cached_crops(paths: list[Path], cache_dir: Path,
                 progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    key = hashlib.sha256("\n".join(str(p) for p in paths).encode()).hexdigest()[:16]
    path = cache_dir / f"crops-{key}.npz"
    if path.is_file():
        with np.load(path) as data:
            return data["crops"], data["landmarks"]
    crops, marks = crop_faces(paths, progress)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, crops=crops, landmarks=marks)
    return crops, marks


def shade_book(data_dir: Path) -> ShadeBook:
    """Every lipstick of the lipstick catalogue and every foundation shade of the foundation file, in CIELAB."""
    lip_data = json.loads((data_dir / "catalog" / "lipsticks.json").read_text())
    lips = [lip["color"] for brand in lip_data["brands"] for series in brand["series"] for lip in series["lipsticks"]]
    with (data_dir / "catalog" / "foundation_shades.csv").open(newline="") as fh:
        foundations = [row["hex"] for row in csv.DictReader(fh) if row.get("hex")]
    to_lab = lambda values: np.array([colour.hex_to_lab(v) for v in values], dtype=np.float32)  # noqa: E731
    return ShadeBook(lipsticks=to_lab(lips), foundations=to_lab(foundations))


def utk_woman(path: Path) -> bool:
    age, gender = path.name.split("_")[:2]
    return gender == "1" and REAL_AGES[0] <= int(age) <= REAL_AGES[1]


def real_photo_paths(data_dir: Path, exclude: list[Path], count: int, seed: int) -> list[Path]:
    """The discriminator's real class: UTKFace photos of women aged 18-45 (many wear makeup) that are not
    training faces, drawn with a fixed seed."""
    taken = set(exclude)
    pool = sorted(p for p in (data_dir / "utkface").glob("*.jpg") if utk_woman(p) and p not in taken)
    rng = np.random.default_rng(seed + 1)
    return [pool[i] for i in sorted(rng.choice(len(pool), min(count, len(pool)), replace=False))]


def embedding_network() -> DlibFaceResNet:
    """The recognition app's face network (frozen) for the identity loss."""
    return DlibFaceResNet.from_dlib(model_path("resnet"))


def run_training(*, config: TrainConfig, data_dir: Path, faces: int, version: str, activate: bool,
                 real_photos: int = 400, output: Path | None = None, resume: bool = True, threads: int = 0,
                 command: str | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> ModelVersion:
    """Prepare the data, train (resuming a stopped run of the same version), save and register the model.

    ``progress(stage, done, total)`` is called for data preparation ("faces") and for training ("train");
    ``command`` is recorded as the training command (default: this process's command line).
    """
    configure_threads(threads)
    work = Path(settings.MODEL_ROOT) / "makeup_gan"
    paths = training_face_paths(data_dir, faces, config.seed)
    done = [0]

    def face_done(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress("faces", done[0], len(paths))

    crops, marks = cached_crops(paths, work / "cache", face_done)
    real, _ = cached_crops(real_photo_paths(data_dir, paths, real_photos, config.seed), work / "cache")
    if not len(real) or len(crops) < 4:
        raise UnprocessableInput("Not enough faces or real photos were found under the data folder.",
                                 code="training_data_missing")
    holdout = min(max(8, len(crops) // 20), len(crops) // 4)  # 5 % (at least 8) held out for the metrics
    bank, held = FaceBank(crops[holdout:], marks[holdout:]), FaceBank(crops[:holdout], marks[:holdout])
    book = shade_book(data_dir)
    state_path = work / f"{version}.state.pt"
    state_path.parent.mkdir(parents=True, exist_ok=True)
    device = resolve_device(settings.ML_DEVICE)
    on_step = (lambda step, _rec: progress("train", step, config.steps)) if progress else None
    state = train(bank, real, book, config, state_path=state_path, embed=embedding_network(), resume=resume,
                  device=device, on_step=on_step)
    metrics = {**holdout_metrics(state.generator, held, book), "steps": state.step, "train_faces": len(bank),
               "holdout_faces": len(held), "real_photos": len(real),
               "device": device.type,
               "final_losses": state.history[-1] if state.history else {}}
    target = output or work / f"{version}.pt"
    target.parent.mkdir(parents=True, exist_ok=True)
    makeup_gan.save_checkpoint(str(target), state.generator, {"width": config.width, "config": config.__dict__,
                                                              "metrics": metrics})
    uri = _uri_for(target) if output else f"makeup_gan/{version}.pt"
    if command is None:
        command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    mv = register_model_version(kind=GAN_KIND, version=version, uri=uri, metrics=metrics,
                                training_command=command, activate=activate)
    evict(lambda key: isinstance(key, tuple) and key and key[0] == GAN_KIND)
    return mv


def _uri_for(path: Path) -> str:
    """``pkg:gan/...`` for a file inside the installed gan package (the shipped default), else absolute."""
    path = path.resolve()
    package = package_dir("gan").resolve()
    return f"pkg:gan/{path.relative_to(package)}" if path.is_relative_to(package) else str(path)


def default_model_version() -> ModelVersion:
    return ensure_model_version(kind=GAN_KIND, version=DEFAULT_VERSION, uri=DEFAULT_URI,
                                notes="Shipped checkpoint produced by train_makeup_gan (see README, Previews).")


def transfer_model() -> makeup_gan.Transfer:
    """The active makeup GAN, loaded once per process (the shipped default if none was trained here)."""
    mv = ModelVersion.objects.filter(kind=GAN_KIND, is_active=True).first() or default_model_version()
    mv = mv if mv.is_active else active_model_version(GAN_KIND)
    device = resolve_device(settings.ML_DEVICE)

    def load() -> makeup_gan.Transfer:
        configure_threads(settings.ML_NUM_THREADS)
        return makeup_gan.load_transfer(str(resolve_uri(mv.uri)), device)

    return cached((GAN_KIND, mv.version, mv.sha256, str(device)), load)


def transfer_model_version() -> dict[str, Any]:
    mv = ModelVersion.objects.filter(kind=GAN_KIND, is_active=True).first() or default_model_version()
    return {"kind": mv.kind, "version": mv.version}
