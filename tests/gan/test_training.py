"""GAN training on real faces from the fixtures: resumable state, the gpu-queue job with progress, registration
in the model registry, and serving loading the active version."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from beautyrec.core import colour
from beautyrec.core.models import Job, ModelVersion
from gan.ml import makeup_gan
from gan.ml.training import FaceBank, TrainConfig, train
from gan.services import makeup_gan as service
from gan.services.training_jobs import JOB_KIND, start_training
from tests.conftest import FIXTURES


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """The shared-data layout the training reads, filled with the fixtures' real faces and shades."""
    root = tmp_path / "data"
    shutil.copytree(FIXTURES / "utkface", root / "utkface")
    for face in (FIXTURES / "faces").glob("*.jpg"):
        target = root / "lfw" / "images" / face.stem.rsplit("_", 1)[0]
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(face, target)
    shutil.copytree(FIXTURES / "shared_subset" / "catalog", root / "catalog")
    shutil.copytree(FIXTURES / "makeup", root / "makeup")
    return root


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_training_resumes_where_it_stopped(data_dir, tmp_path):
    paths = service.training_face_paths(data_dir, 6, 0)
    crops, marks = service.crop_faces(paths)
    real_paths = service.real_photo_paths(data_dir, paths, 10, 0)
    real, _ = service.crop_faces(real_paths)
    # The discriminator's real photos are women's UTKFace photos, none of them a training face, none from MT.
    assert real_paths and not set(real_paths) & set(paths)
    assert all(p.parent.name == "utkface" and p.name.split("_")[1] == "1" for p in real_paths)
    assert len(crops) >= 4 and len(real) == len(real_paths)
    bank, book = FaceBank(crops, marks), service.shade_book(data_dir)
    state_path = tmp_path / "state.pt"
    seen: list[int] = []
    config = TrainConfig(steps=2, batch_size=2, checkpoint_every=1)
    train(bank, real, book, config, state_path=state_path, on_step=lambda s, _r: seen.append(s))
    config.steps = 3
    state = train(bank, real, book, config, state_path=state_path, on_step=lambda s, _r: seen.append(s))
    assert seen == [1, 2, 3] and state.step == 3
    # A stopped and resumed run ends with the same generator as one run straight through: the shipped checkpoint
    # is reproducible however often its training was interrupted.
    straight = train(bank, real, book, config, state_path=tmp_path / "straight.pt")
    for name, value in straight.generator.state_dict().items():
        assert torch.equal(value, state.generator.state_dict()[name]), name


@pytest.mark.django_db(transaction=True)
def test_training_job_reports_progress_registers_and_serves(data_dir, settings, user):
    settings.SHARED_DATA_DIR = str(data_dir)
    job = start_training(user=user, version="test-v1", faces=8, activate=True, steps=2, batch_size=2)
    job.refresh_from_db()
    assert job.kind == JOB_KIND and job.status == Job.Status.SUCCEEDED, (job.error_code, job.error_message)
    assert job.progress == 100
    mv = ModelVersion.objects.get(kind="makeup_gan", version="test-v1")
    assert mv.is_active and mv.sha256 and mv.metrics["steps"] == 2
    assert {"holdout_l1", "holdout_lip_de2000_to_target", "holdout_lip_de2000_to_reference"} <= mv.metrics.keys()
    assert mv.metrics["device"] == "cpu" and mv.metrics["real_photos"] >= 1
    assert mv.training_command.startswith(f"celery task gan.train_makeup_gan (job {job.pk})")
    assert job.result["model_version"]["version"] == "test-v1"
    # Serving loads the active version.
    assert service.transfer_model_version() == {"kind": "makeup_gan", "version": "test-v1"}
    model = service.transfer_model()
    face = np.asarray(makeup_gan.CropBox(0, 0, 1).cut(np.zeros((4, 4, 3), np.uint8)))
    assert face.shape == (128, 128, 3) and isinstance(model, makeup_gan.Transfer)


def test_shipped_checkpoint_is_small_and_loads():
    path = Path(makeup_gan.__file__).parent / "weights" / "makeup_gan_default.pt"
    assert path.stat().st_size <= 20 * 1024 * 1024
    model = makeup_gan.load_transfer(str(path), torch.device("cpu"))
    assert sum(p.numel() for p in model.generator.parameters()) > 100_000


def test_gan_changes_only_the_face_and_moves_lips_and_eyes_to_the_reference():
    """The shipped generator on a real MT pair (neither image was a training image): its change is pasted back
    inside the feathered face mask only, and it moves the lips' and eyelids' median colour to the reference's
    (measured as eval_makeup_transfer does: the bare lips are 13.5 CIEDE2000 from the reference's, the GAN's
    0.9; eyelids 10.1 -> 1.3)."""
    from gan.ml import renderer
    from gan.services.evaluation import region_lab
    from tests.gan.conftest import load_face

    face = load_face(FIXTURES / "makeup" / "images" / "examples_images_non-makeup_xfsy_0058.png")
    reference = load_face(FIXTURES / "makeup" / "images" / "examples_images_makeup_vFG112.png")
    model = makeup_gan.load_transfer(str(Path(makeup_gan.__file__).parent / "weights" / "makeup_gan_default.pt"),
                                     torch.device("cpu"))
    out = model(face.pixels, face.landmarks, reference.pixels, reference.landmarks)
    mask = renderer.region_mask(face.landmarks, "face", face.pixels.shape[:2])
    inside = mask.full(face.pixels.shape[:2], feathered=True) > 0
    assert np.array_equal(out[~inside], face.pixels[~inside])
    changed = np.abs(out.astype(int) - face.pixels.astype(int)).max(axis=-1)
    assert (changed[inside] > 3).mean() > 0.05  # the look shows on the face

    def distance(image: np.ndarray, region: str) -> float:
        ours = region_lab(image, face.landmarks, region, face.pixels)
        theirs = region_lab(reference.pixels, reference.landmarks, region, reference.pixels)
        return float(colour.ciede2000(ours, theirs))

    lips_before, lips_after = distance(face.pixels, "lips"), distance(out, "lips")
    eyes_before, eyes_after = distance(face.pixels, "eyelids"), distance(out, "eyelids")
    assert lips_before > 10.0 and lips_after < 4.0 and lips_before - lips_after > 8.0
    assert eyes_before > 9.0 and eyes_after < 7.0
