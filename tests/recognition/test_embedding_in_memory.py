"""Embeddings that no consent record covers live in memory only: one computed again from the stored photo and
landmarks is the one the analysis computed, also when the stored photo was scaled down."""

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image

from recognition.models import Face
from recognition.services.analysis import analyze_photo, face_embedding
from recognition.services.photos import store_photo
from tests.recognition.conftest import BLAIR, load_rgb, upload, upload_array

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("max_side", [None, 200])
def test_recomputed_embedding_matches_the_analysis(user, settings, max_side):
    if max_side is None:
        image = upload(BLAIR[0])
    else:  # a 375 px upload stored at 200 px: landmarks are kept in the upload's pixels
        settings.PROCESSING_MAX_SIDE = max_side
        pixels = np.asarray(Image.fromarray(load_rgb(BLAIR[0])).resize((375, 375), Image.BICUBIC))
        image = upload_array(pixels)
    photo = store_photo(owner=user, upload=image)
    (analysed,) = analyze_photo(photo=photo)
    in_memory = face_embedding(analysed)

    stored = Face.objects.get(pk=analysed.pk)
    assert stored.embedding is None
    recomputed = face_embedding(stored)
    assert recomputed.shape == (128,) and np.linalg.norm(recomputed) == pytest.approx(1, abs=1e-5)
    assert float(in_memory @ recomputed) > 0.9999
    (reused,) = analyze_photo(photo=photo)  # stored analysis, no network run: same vector again
    assert np.allclose(face_embedding(reused), recomputed, atol=1e-6)
    assert not Face.objects.filter(embedding__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_migration_0002_keeps_only_enrolled_embeddings():
    executor = MigrationExecutor(connection)
    before = [("recognition", "0001_initial")]
    after = [("recognition", "0002_faces_keep_embeddings_only_when_enrolled")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    owner = apps.get_model("auth", "User").objects.create(username="old")
    version = apps.get_model("core", "ModelVersion").objects.create(kind="embedding", version="v", uri="x")
    photo = apps.get_model("recognition", "Photo").objects.create(owner=owner, file="p.jpg", width=1, height=1)
    subject = apps.get_model("recognition", "Subject").objects.create(owner=owner, name="s", consent=True)
    face_model = apps.get_model("recognition", "Face")
    common = {"photo": photo, "box": [], "landmarks": [], "landmarks5": [], "detector": "hog",
              "detection_score": 1.0, "quality": 1.0, "embedding": b"\0" * 512, "embedding_model_version": version}
    analysed = face_model.objects.create(index=0, **common)
    enrolled = face_model.objects.create(index=1, subject=subject, **common)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    cleared = Face.objects.get(pk=analysed.pk)
    assert (cleared.embedding, cleared.embedding_model_version) == (None, None)
    assert bytes(Face.objects.get(pk=enrolled.pk).embedding) == b"\0" * 512
