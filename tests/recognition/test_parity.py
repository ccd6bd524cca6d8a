"""The torch port of dlib's face ResNet gives dlib's descriptors on real aligned face chips."""

import dlib
import numpy as np
import pytest
import torch

from recognition.ml.dlib_files import model_path
from recognition.ml.embedder import FaceEmbedder
from recognition.ml.resnet import DlibFaceResNet
from tests.conftest import FIXTURES
from tests.recognition.conftest import BLAIR, POWELL, SERENA, load_rgb

IMAGES = [*BLAIR, *POWELL, *SERENA, FIXTURES / "obama.jpg", FIXTURES / "faces" / "att_s1_1.pgm"]


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def dlib_reference():
    """For each image: pixels, 5-point landmarks, dlib's chip and dlib's descriptor (computed by dlib itself)."""
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(model_path("landmarks5")))
    net = dlib.face_recognition_model_v1(str(model_path("resnet")))
    rows = []
    for path in IMAGES:
        pixels = load_rgb(path)
        shape = predictor(pixels, detector(pixels, 1)[0])
        chip = np.asarray(dlib.get_face_chip(pixels, shape, size=150, padding=0.25))
        rows.append({"pixels": pixels, "landmarks": np.array([(p.x, p.y) for p in shape.parts()], float),
                     "chip": chip, "descriptor": np.array(net.compute_face_descriptor(pixels, shape))})
    return rows


@pytest.fixture(scope="module")
def model():
    return DlibFaceResNet.from_dlib(model_path("resnet"))


def test_descriptors_match_dlib_on_dlib_chips(dlib_reference, model):
    chips = torch.from_numpy(np.stack([r["chip"] for r in dlib_reference])).permute(0, 3, 1, 2)
    with torch.inference_mode():
        ours = model(chips.float()).numpy()
    theirs = np.stack([r["descriptor"] for r in dlib_reference])
    assert cosine(ours, theirs).min() >= 0.9999
    assert np.abs(ours - theirs).max() < 1e-4
    assert np.linalg.norm(theirs, axis=1).min() > 1.0  # dlib's descriptors are not unit length


def test_whole_torch_pipeline_matches_dlib(dlib_reference, model):
    """Torch alignment + torch network + channels_last batching against dlib's compute_face_descriptor."""
    embedder = FaceEmbedder(model, torch.device("cpu"), batch_size=4)
    ours = np.concatenate(embedder.embed([(r["pixels"], [r["landmarks"]]) for r in dlib_reference], flip=False))
    theirs = np.stack([r["descriptor"] for r in dlib_reference])
    assert cosine(ours, theirs).min() >= 0.9999


def test_flip_averaging_is_the_mean_of_both_views(dlib_reference, model):
    embedder = FaceEmbedder(model, torch.device("cpu"))
    chips = embedder.chips(dlib_reference[0]["pixels"], [dlib_reference[0]["landmarks"]])
    plain = embedder.descriptors(chips, flip=False)
    mirrored = embedder.descriptors(chips.flip(-1), flip=False)
    assert np.allclose(embedder.descriptors(chips, flip=True), (plain + mirrored) / 2, atol=1e-5)


def test_half_precision_stays_within_1e3_cosine(dlib_reference):
    """The fp16 path allowed on cuda, checked with torch's CPU half kernels on two chips."""
    model = DlibFaceResNet.from_dlib(model_path("resnet")).half()
    chips = torch.from_numpy(np.stack([r["chip"] for r in dlib_reference[:2]])).permute(0, 3, 1, 2)
    with torch.inference_mode():
        ours = model(chips.half()).float().numpy()
    theirs = np.stack([r["descriptor"] for r in dlib_reference[:2]])
    assert cosine(ours, theirs).min() >= 1 - 1e-3


def test_fp16_is_refused_on_cpu(model):
    with pytest.raises(ValueError, match="cuda"):
        FaceEmbedder(model, torch.device("cpu"), half=True)
