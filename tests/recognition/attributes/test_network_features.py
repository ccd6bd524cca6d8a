"""The network features the heads take: the embedder's one pass gives the descriptors and the pooled activations."""

import numpy as np
import torch

from beautyrec.core.images import decode_image
from recognition.ml.embedder import FEATURE_DIM
from recognition.services.detection import find_faces
from recognition.services.embedding import describe_faces, embedder
from tests.conftest import FIXTURES


def test_descriptor_part_is_the_embedders_and_the_fc_of_the_pooled_part():
    pixels = decode_image((FIXTURES / "obama.jpg").read_bytes()).pixels
    faces = find_faces(pixels)
    engine = embedder()
    views = describe_faces(pixels, faces)
    features = views.features
    assert features.shape == (len(faces), 2, FEATURE_DIM) and features.dtype == np.float32
    plain, mirrored = engine.descriptor_views(engine.chips(pixels, [f.landmarks5 for f in faces]))
    np.testing.assert_allclose(views.plain, plain, atol=1e-4)
    np.testing.assert_allclose(views.mirrored, mirrored, atol=1e-4)
    pooled = features[:, :, 128:]
    assert (pooled >= 0).all() and pooled.std() > 0.01  # means of relu outputs, not constant
    with torch.no_grad():
        projected = engine.model.fc(torch.from_numpy(pooled)).numpy()
    np.testing.assert_allclose(projected, features[:, :, :128], atol=1e-4)
    assert describe_faces(pixels, []).features.shape == (0, 2, FEATURE_DIM)
