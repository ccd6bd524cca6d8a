"""The network features the heads take: one pass gives the embedder's descriptors and the pooled activations."""

import numpy as np
import torch

from beautyrec.core.images import decode_image
from recognition.ml.attributes.network_features import FEATURE_DIM, chip_and_mirror_features
from recognition.services.detection import find_faces
from recognition.services.embedding import embedder
from tests.conftest import FIXTURES


def test_descriptor_part_is_the_embedders_and_the_fc_of_the_pooled_part():
    pixels = decode_image((FIXTURES / "obama.jpg").read_bytes()).pixels
    faces = find_faces(pixels)
    engine = embedder()
    chips = engine.chips(pixels, [f.landmarks5 for f in faces])
    features = chip_and_mirror_features(engine.model, chips)
    assert features.shape == (len(faces), 2, FEATURE_DIM) and features.dtype == np.float32
    plain, mirrored = engine.descriptor_views(chips)
    np.testing.assert_allclose(features[:, 0, :128], plain, atol=1e-4)
    np.testing.assert_allclose(features[:, 1, :128], mirrored, atol=1e-4)
    pooled = features[:, :, 128:]
    assert (pooled >= 0).all() and pooled.std() > 0.01  # means of relu outputs, not constant
    with torch.no_grad():
        projected = engine.model.fc(torch.from_numpy(pooled)).numpy()
    np.testing.assert_allclose(projected, features[:, :, :128], atol=1e-4)
    assert chip_and_mirror_features(engine.model, chips[:0]).shape == (0, 2, FEATURE_DIM)
