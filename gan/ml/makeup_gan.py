"""The reference-look transfer GAN (BeautyGAN / PSGAN family), small enough to train on a CPU.

G(source, reference) -> the source wearing the reference's makeup, on 128 px face crops:

- **Makeup code** (PSGAN's idea, simplified): a reference encoder turns the reference crop and its region
  masks (lips, eyelids, skin) into features; masked average pooling over each region, plus that region's
  colour mean and spread, gives one code per region. The code is spread back over the *source's* matching
  region masks, so each pixel is conditioned on the makeup of the same facial region of the reference
  (a landmark-based attention between the two faces).
- **Generator**: a U-Net over the source crop and its region masks; every decoder scale is modulated
  (FiLM) by the spread makeup code. It predicts a colour change and a gate; the output is the source plus
  the gated change, so the skin's detail and the identity are kept by construction where the gate is 0.
- **Discriminator**: a 70x70-style PatchGAN (three strided convolutions, spectral norm, least squares).

At full resolution only the predicted change is upsampled and added inside the feathered face mask
(:func:`paste_delta`), so the photo keeps its own sharpness and every pixel outside the face is untouched.
"""

from dataclasses import dataclass
from typing import Final

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from gan.ml import renderer

CROP: Final = 128
REGIONS: Final = ("lips", "eyelids", "skin")
CROP_MARGIN: Final = 1.3  # crop side / larger side of the landmarks' box


# --- crops ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CropBox:
    """A square around the face in image pixels (may extend past the image; those pixels are black)."""

    left: float
    top: float
    side: float

    @classmethod
    def around(cls, landmarks: np.ndarray) -> "CropBox":
        lo, hi = landmarks.min(axis=0), landmarks.max(axis=0)
        side = float(max(hi - lo)) * CROP_MARGIN
        centre = (lo + hi) / 2 - np.array([0.0, 0.06 * side])  # a little room for the forehead
        return cls(float(centre[0] - side / 2), float(centre[1] - side / 2), side)

    def to_crop(self, points: np.ndarray, size: int = CROP) -> np.ndarray:
        return (np.asarray(points, dtype=np.float64) - [self.left, self.top]) * (size / self.side)

    def cut(self, image: np.ndarray, size: int = CROP) -> np.ndarray:
        extent = (self.left, self.top, self.left + self.side, self.top + self.side)
        return np.asarray(Image.fromarray(image).transform((size, size), Image.EXTENT, extent, Image.BILINEAR))


def region_masks(landmarks: np.ndarray, size: int = CROP) -> np.ndarray:
    """(3, size, size) float32 hard masks of :data:`REGIONS` from crop-space landmarks."""
    frame = renderer.FaceFrame.from_landmarks(landmarks)
    return np.stack([renderer.region_mask(landmarks, r, (size, size), frame).full((size, size))
                     for r in REGIONS]).astype(np.float32)


def to_tensor(crops: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float in [-1, 1]."""
    return torch.from_numpy(np.array(crops, dtype=np.uint8)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    return images.detach().add(1.0).mul(127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy()


# --- networks -------------------------------------------------------------------------------------------
def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.InstanceNorm2d(cout, affine=True),
                         nn.LeakyReLU(0.2, inplace=True))


class ReferenceEncoder(nn.Module):
    """Reference crop + region masks -> one makeup code per region (pooled features and colour statistics)."""

    def __init__(self, width: int = 32, code: int = 64) -> None:
        super().__init__()
        self.features = nn.Sequential(_conv(6, width, 2), _conv(width, width * 2, 2), _conv(width * 2, width * 2, 2))
        self.project = nn.Sequential(nn.Linear(width * 2 + 6, code), nn.LeakyReLU(0.2), nn.Linear(code, code))

    def forward(self, image: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        feats = self.features(torch.cat([image, masks], 1))
        small = F.interpolate(masks, size=feats.shape[-2:], mode="area")
        pooled = torch.einsum("nchw,nrhw->nrc", feats, small) / small.sum((2, 3)).clamp_min(1e-3)[..., None]
        weight = masks.sum((2, 3)).clamp_min(1.0)
        mean = torch.einsum("nchw,nrhw->nrc", image, masks) / weight[..., None]
        sq = torch.einsum("nchw,nrhw->nrc", image * image, masks) / weight[..., None]
        std = (sq - mean * mean).clamp_min(1e-6).sqrt()
        return self.project(torch.cat([pooled, mean, std], -1))  # (N, regions, code)


class FiLM(nn.Module):
    def __init__(self, code: int, channels: int) -> None:
        super().__init__()
        self.scale_shift = nn.Conv2d(code, 2 * channels, 1)

    def forward(self, x: torch.Tensor, code_map: torch.Tensor) -> torch.Tensor:
        scale, shift = self.scale_shift(F.interpolate(code_map, size=x.shape[-2:], mode="area")).chunk(2, 1)
        return x * (1 + scale) + shift


class MakeupGenerator(nn.Module):
    """U-Net on (source, source region masks), decoder modulated by the reference's spread makeup code.

    The encoder starts with a stride-2 convolution, so the heavy layers run at 64 px and below; a light
    full-resolution head joins the decoder's features with the 128 px source and masks, keeping edges sharp
    (lip borders) at a fifth of the cost of a full-resolution U-Net level.
    """

    def __init__(self, width: int = 16, code: int = 48) -> None:
        super().__init__()
        w = width
        self.reference = ReferenceEncoder(w, code)
        self.enc1, self.enc2, self.enc3 = _conv(6, w, 2), _conv(w, w * 2, 2), _conv(w * 2, w * 4, 2)
        self.mid = nn.Sequential(_conv(w * 4, w * 4), _conv(w * 4, w * 4))
        self.film3, self.film2, self.film1 = FiLM(code, w * 4), FiLM(code, w * 2), FiLM(code, w)
        self.dec2, self.dec1 = _conv(w * 4 + w * 2, w * 2), _conv(w * 2 + w, w)
        self.head = nn.Conv2d(w + 6, 4, 3, 1, 1)

    def forward(self, source: torch.Tensor, source_masks: torch.Tensor, reference: torch.Tensor,
                reference_masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(output image in [-1, 1], the added change)."""
        codes = self.reference(reference, reference_masks)
        code_map = torch.einsum("nrc,nrhw->nchw", codes, F.avg_pool2d(source_masks, 2))
        inputs = torch.cat([source, source_masks], 1)
        e1 = self.enc1(inputs)
        e2 = self.enc2(e1)
        m = self.film3(self.mid(self.enc3(e2)), code_map)
        d2 = self.film2(self.dec2(torch.cat([F.interpolate(m, scale_factor=2.0), e2], 1)), code_map)
        d1 = self.film1(self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0), e1], 1)), code_map)
        up = F.interpolate(d1, scale_factor=2.0, mode="bilinear", align_corners=False)
        out = self.head(torch.cat([up, inputs], 1))
        delta = torch.tanh(out[:, :3]) * 2 * torch.sigmoid(out[:, 3:])
        return (source + delta).clamp(-1, 1), delta


class PatchDiscriminator(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        sn = nn.utils.spectral_norm
        self.net = nn.Sequential(
            sn(nn.Conv2d(3, width, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width, width * 2, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width * 2, width * 4, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width * 4, 1, 3, 1, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# --- losses ---------------------------------------------------------------------------------------------
def histogram_target(output: torch.Tensor, reference: torch.Tensor, out_mask: torch.Tensor,
                     ref_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """BeautyGAN's histogram-matching target for one region: each output pixel in the region gets the
    reference value of the same rank (per channel). Returns (target values, output values), both (3, n)."""
    out_px = output[:, out_mask > 0.5]
    ref_px = reference[:, ref_mask > 0.5]
    if out_px.shape[1] < 4 or ref_px.shape[1] < 4:
        return out_px.new_zeros((3, 0)), out_px.new_zeros((3, 0))
    ranks = out_px.detach().argsort(dim=1).argsort(dim=1).float()
    positions = (ranks / max(out_px.shape[1] - 1, 1) * (ref_px.shape[1] - 1)).round().long()
    target = ref_px.sort(dim=1).values.gather(1, positions)
    return target.detach(), out_px


def histogram_loss(output: torch.Tensor, reference: torch.Tensor, out_masks: torch.Tensor,
                   ref_masks: torch.Tensor, weights: tuple[float, ...] = (1.0, 1.0, 0.1)) -> torch.Tensor:
    """Per-region histogram matching (lips, eyelids, skin) between the output and the reference."""
    total = output.new_zeros(())
    for n in range(output.shape[0]):
        for r, weight in enumerate(weights):
            target, values = histogram_target(output[n], reference[n], out_masks[n, r], ref_masks[n, r])
            if values.numel():
                total = total + weight * F.l1_loss(values, target)
    return total / output.shape[0]


def identity_loss(embed: nn.Module, output: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """Squared distance between dlib descriptors of the output and the source (frozen recognition network)."""
    def descriptors(x: torch.Tensor) -> torch.Tensor:
        return embed(F.interpolate((x + 1) * 127.5, size=(150, 150), mode="bilinear", align_corners=False))

    with torch.no_grad():
        target = descriptors(source)
    return ((descriptors(output) - target) ** 2).sum(1).mean()


def paste_delta(image: np.ndarray, landmarks: np.ndarray, box: CropBox, delta: np.ndarray) -> np.ndarray:
    """Add a crop-space colour change (H, W, 3 floats in [-1, 1] units) back onto the full photo, inside the
    feathered face mask only; pixels outside the mask are copied unchanged."""
    mask = renderer.region_mask(landmarks, "face", image.shape[:2])
    out = np.array(image, copy=True)
    if not mask.hard.size:
        return out
    rows, cols = np.nonzero(mask.alpha > 0)
    ys = rows + mask.top
    xs = cols + mask.left
    # Bilinear sample of the crop's change at each face pixel.
    scale = delta.shape[0] / box.side
    u = np.clip((xs - box.left) * scale - 0.5, 0, delta.shape[1] - 1)
    v = np.clip((ys - box.top) * scale - 0.5, 0, delta.shape[0] - 1)
    u0, v0 = np.floor(u).astype(int), np.floor(v).astype(int)
    u1, v1 = np.minimum(u0 + 1, delta.shape[1] - 1), np.minimum(v0 + 1, delta.shape[0] - 1)
    fu, fv = (u - u0)[:, None], (v - v0)[:, None]
    sample = ((delta[v0, u0] * (1 - fu) + delta[v0, u1] * fu) * (1 - fv)
              + (delta[v1, u0] * (1 - fu) + delta[v1, u1] * fu) * fv)
    values = out[ys, xs].astype(np.float32) + sample * 127.5 * mask.alpha[rows, cols, None]
    out[ys, xs] = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return out


@dataclass
class Transfer:
    """A loaded generator ready for inference on full photos."""

    generator: MakeupGenerator
    device: torch.device

    def prepare(self, image: np.ndarray, landmarks: np.ndarray) -> tuple[CropBox, torch.Tensor, torch.Tensor]:
        box = CropBox.around(landmarks)
        crop = box.cut(image)
        masks = region_masks(box.to_crop(landmarks))
        return box, to_tensor(crop[None]).to(self.device), torch.from_numpy(masks[None]).to(self.device)

    def __call__(self, image: np.ndarray, landmarks: np.ndarray, reference: np.ndarray,
                 reference_landmarks: np.ndarray) -> np.ndarray:
        box, src, src_masks = self.prepare(image, landmarks)
        _, ref, ref_masks = self.prepare(reference, reference_landmarks)
        with torch.inference_mode():
            _, delta = self.generator(src, src_masks, ref, ref_masks)
        return paste_delta(image, landmarks, box, delta[0].permute(1, 2, 0).float().cpu().numpy())


def save_checkpoint(path: str, generator: MakeupGenerator, meta: dict) -> None:
    """The serving checkpoint: generator weights in half precision (small file) and its settings."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in generator.state_dict().items()}
    torch.save({"generator": state, "meta": meta}, path)


def load_transfer(path: str, device: torch.device) -> Transfer:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    meta = blob["meta"]
    generator = MakeupGenerator(width=meta["width"], code=meta["code"])
    generator.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["generator"].items()})
    return Transfer(generator.to(device).eval(), device)
