"""Differentiable sRGB <-> CIELAB for torch tensors: :mod:`beautyrec.core.colour`'s conversions (same D65 white,
matrices and constants, imported from there) for losses and networks that work in CIELAB.

Tensors are (N, 3, H, W) or (..., 3, ...) with the channel axis given; sRGB is in [0, 1].
"""

import torch

from beautyrec.core import colour

_EPS = float(colour.LAB_EPS)
_KAPPA = float(colour.LAB_KAPPA)


def _matrix(values, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)


def _apply(matrix: torch.Tensor, x: torch.Tensor, dim: int) -> torch.Tensor:
    return torch.movedim(torch.movedim(x, dim, -1) @ matrix.T, -1, dim)


def srgb_to_lab(rgb: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """sRGB in [0, 1] -> CIELAB (L* 0-100), along axis ``dim``."""
    rgb = rgb.clamp(0.0, 1.0)
    linear = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055).clamp_min(1e-8) ** 2.4)
    white = _matrix(colour.D65_WHITE, rgb)
    xyz = _apply(_matrix(colour.SRGB_TO_XYZ, rgb) / white[:, None], linear, dim)
    f = torch.where(xyz > _EPS, xyz.clamp_min(_EPS) ** (1 / 3), (_KAPPA * xyz + 16) / 116)
    fx, fy, fz = f.unbind(dim)
    return torch.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], dim)


def lab_to_srgb(lab: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """CIELAB -> sRGB in [0, 1] (clipped to the gamut), along axis ``dim``."""
    lightness, a, b = lab.unbind(dim)
    fy = (lightness + 16) / 116
    f = torch.stack([fy + a / 500, fy, fy - b / 200], dim)
    xyz = torch.where(f ** 3 > _EPS, f ** 3, (116 * f - 16) / _KAPPA)
    white = _matrix(colour.D65_WHITE, lab)
    linear = _apply(_matrix(colour.XYZ_TO_SRGB, lab) * white[None, :], xyz, dim).clamp(0.0, 1.0)
    return torch.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear.clamp_min(1e-8) ** (1 / 2.4) - 0.055)
