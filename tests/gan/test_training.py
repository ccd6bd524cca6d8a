"""GAN training on real faces from the fixtures: resumable state, the gpu-queue job with progress, registration
in the model registry, and serving loading the active version."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

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
    crops, marks = service.crop_faces(service.training_face_paths(data_dir, 6, 0))
    real, _ = service.crop_faces(service.makeup_photo_paths(data_dir))
    assert len(crops) >= 4 and len(real) == 1
    bank, book = FaceBank(crops, marks), service.shade_book(data_dir)
    state_path = tmp_path / "state.pt"
    seen: list[int] = []
    config = TrainConfig(steps=2, batch_size=2, checkpoint_every=1)
    train(bank, real, book, config, state_path=state_path, on_step=lambda s, _r: seen.append(s))
    config.steps = 3
    state = train(bank, real, book, config, state_path=state_path, on_step=lambda s, _r: seen.append(s))
    assert seen == [1, 2, 3] and state.step == 3


@pytest.mark.django_db(transaction=True)
def test_training_job_reports_progress_registers_and_serves(data_dir, settings, user):
    settings.SHARED_DATA_DIR = str(data_dir)
    job = start_training(user=user, version="test-v1", faces=8, activate=True, steps=2, batch_size=2)
    job.refresh_from_db()
    assert job.kind == JOB_KIND and job.status == Job.Status.SUCCEEDED, (job.error_code, job.error_message)
    assert job.progress == 100
    mv = ModelVersion.objects.get(kind="makeup_gan", version="test-v1")
    assert mv.is_active and mv.sha256 and mv.metrics["steps"] == 2
    assert {"holdout_l1", "holdout_lip_de2000_to_target"} <= mv.metrics.keys()
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
