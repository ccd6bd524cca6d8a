"""The v2 generator's parts on a real MT pair: the reference's region statistics (its makeup code), the
region-wise colour shift an untrained generator starts from, and pasting a crop's change back onto the photo."""

import numpy as np
import pytest
import torch

from beautyrec.core import colour
from gan.ml import makeup_gan, renderer
from gan.services.evaluation import region_lab
from tests.conftest import FIXTURES
from tests.gan.conftest import FacePhoto, load_face

MT = FIXTURES / "makeup" / "images"


@pytest.fixture(scope="module")
def plain() -> FacePhoto:
    return load_face(MT / "examples_images_non-makeup_xfsy_0058.png")


@pytest.fixture(scope="module")
def made_up() -> FacePhoto:
    return load_face(MT / "examples_images_makeup_vFG112.png")


def test_region_stats_measure_each_region_as_the_evaluation_does(made_up):
    stats = makeup_gan.region_stats(made_up.pixels, made_up.landmarks)
    assert stats.shape == (4, 6) and (stats[:, 3:] > 0).all()
    for index, region in enumerate(makeup_gan.REGIONS):
        expected = region_lab(made_up.pixels, made_up.landmarks, region, made_up.pixels)
        assert float(colour.ciede2000(stats[index, :3], expected)) < 0.5, region


def test_an_untrained_generator_starts_from_the_region_wise_shift(plain, made_up):
    """The head starts at zero, so before any training the lips take the reference's median colour."""
    torch.manual_seed(0)
    model = makeup_gan.Transfer(makeup_gan.MakeupGenerator().eval(), torch.device("cpu"))
    out = model(plain.pixels, plain.landmarks, made_up.pixels, made_up.landmarks)
    target = region_lab(made_up.pixels, made_up.landmarks, "lips", made_up.pixels)
    before = colour.ciede2000(region_lab(plain.pixels, plain.landmarks, "lips", plain.pixels), target)
    after = colour.ciede2000(region_lab(out, plain.landmarks, "lips", plain.pixels), target)
    assert before > 10.0 and after < 2.0


def test_paste_change_samples_the_crop_and_keeps_everything_outside_the_face(plain):
    grey = np.full_like(plain.pixels, 128)
    box = makeup_gan.CropBox.around(plain.landmarks)
    rows, cols = np.mgrid[0:makeup_gan.CROP, 0:makeup_gan.CROP].astype(np.float32)
    change = np.stack([cols / 12.8, rows / 12.8, np.zeros_like(rows)], -1)  # L* 0-10 left to right, a* down
    out = makeup_gan.paste_change(grey, plain.landmarks, box, change)
    mask = renderer.region_mask(plain.landmarks, "face", grey.shape[:2])
    alpha = mask.full(grey.shape[:2], feathered=True)
    assert np.array_equal(out[alpha == 0], grey[alpha == 0])
    ys, xs = np.nonzero(alpha >= 1.0)
    base = renderer.rgb_to_lab(np.full((1, 3), 128, np.uint8))[0]
    k = makeup_gan.CROP / box.side
    for y, x in zip(ys[:: len(ys) // 7], xs[:: len(xs) // 7], strict=True):
        got = renderer.rgb_to_lab(out[y:y + 1, x])[0] - base
        expected = np.array([(x + 0.5 - box.left) * k - 0.5, (y + 0.5 - box.top) * k - 0.5]) / 12.8
        np.testing.assert_allclose(got[:2], expected, atol=0.6)  # 8-bit rounding
