"""The torch CIELAB conversions agree with the NumPy colour module they mirror, and carry gradients."""

import numpy as np
import torch

from beautyrec.core import colour
from beautyrec.core.ml import colour as tcolour


def every_grey_and_random_colours() -> np.ndarray:
    grey = np.repeat(np.arange(256)[:, None], 3, axis=1)
    rgb = np.random.default_rng(0).integers(0, 256, size=(2000, 3))
    return np.concatenate([grey, rgb])


def test_srgb_to_lab_matches_the_numpy_module():
    rgb = every_grey_and_random_colours()
    got = tcolour.srgb_to_lab(torch.tensor(rgb / 255.0, dtype=torch.float64), dim=1).numpy()
    np.testing.assert_allclose(got, colour.srgb_to_lab(rgb), atol=1e-6)


def test_lab_to_srgb_inverts_it_and_clips_out_of_gamut_colours():
    rgb = every_grey_and_random_colours()
    lab = torch.tensor(colour.srgb_to_lab(rgb))
    np.testing.assert_allclose(tcolour.lab_to_srgb(lab, dim=1).numpy() * 255, rgb, atol=1e-6)
    vivid = torch.tensor([[50.0, 120.0, -120.0]])  # far outside sRGB
    np.testing.assert_allclose(tcolour.lab_to_srgb(vivid, dim=1).numpy() * 255, colour.lab_to_srgb(vivid.numpy()),
                               atol=1e-4)


def test_image_layout_and_gradients():
    image = torch.rand(2, 3, 5, 7, dtype=torch.float64, requires_grad=True)
    lab = tcolour.srgb_to_lab(image)
    assert lab.shape == (2, 3, 5, 7)
    pixel = image[1, :, 2, 3].detach().numpy() * 255
    np.testing.assert_allclose(lab[1, :, 2, 3].detach().numpy(), colour.srgb_to_lab(pixel), atol=1e-6)
    lab[:, 0].mean().backward()
    assert image.grad is not None and torch.isfinite(image.grad).all() and image.grad.abs().sum() > 0
