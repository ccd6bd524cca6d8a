"""The reference-look transfer GAN (v2), small enough to train and serve on a CPU.

G(source, reference) -> the source wearing the reference's makeup, computed on a 128 px crop of the source:

- **Makeup code = the reference's measured region colours.** Each region that carries makeup (lips, eyelids,
  cheeks) is measured on the reference at its own resolution: median and spread of L*, a*, b* over the region's
  hard mask (lips without teeth-like pixels), and the same for the skin. A pooled image code has to learn these
  numbers before it can transfer them; giving them directly is what lets a 0.2 M-parameter network trained for
  an hour on a CPU put the reference's colour on. The code is spread over the *source's* matching region masks
  (region-to-region attention by landmarks), next to the source's own figures, so every pixel knows how far its
  region is from the reference's.
- **Generator**: a small U-Net over the source crop, its region masks and the spread code. It predicts a CIELAB
  change: a learned per-pixel gain on the region-wise colour shift (reference median minus source median) plus a
  free residual, so texture, teeth and region edges are the network's work and the shift is where it starts.
- **Composite**: the change is added in CIELAB inside the feathered face mask only; at full resolution only the
  change is upsampled (:func:`paste_change`), so the photo keeps its sharpness and every pixel outside the face
  is copied unchanged.
- **Discriminator**: a 70x70-style PatchGAN (three strided convolutions, spectral norm, least squares).
"""

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Final

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter
from torch import nn

from beautyrec.core.ml import colour as tcolour
from gan.ml import renderer
from recognition.ml.threads import one_intra_op_thread

CROP: Final = 128
REGIONS: Final = ("lips", "eyelids", "cheeks", "skin")  # measured regions; the first MADE_UP carry makeup
MADE_UP: Final = 3
CROP_MARGIN: Final = 1.3  # crop side / larger side of the landmarks' box
LAB_SCALE: Final = 50.0  # CIELAB differences are fed to the network divided by this
SPREAD_SCALE: Final = 20.0
MIN_CHANGE: Final = 0.2  # CIELAB units: smaller changes round to the same 8-bit colour and are not applied
RESIDUAL_SCALE: Final = 10.0  # the free residual's range, L* / a* / b* units per unit of network output
CODE_CHANNELS: Final = MADE_UP * 9 + 3
INPUT_CHANNELS: Final = 3 + len(REGIONS) + 1 + CODE_CHANNELS + 3


# --- crops, masks and measurements -------------------------------------------------------------------------
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


def region_masks(landmarks: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(hard masks (4, H, W) bool of :data:`REGIONS`, feathered alphas (5, H, W) float32 of REGIONS + face)."""
    frame = renderer.FaceFrame.from_landmarks(landmarks)
    masks = [renderer.region_mask(landmarks, r, shape, frame) for r in (*REGIONS, "face")]
    hard = np.stack([m.full(shape) for m in masks[:-1]])
    soft = np.stack([m.full(shape, feathered=True) for m in masks])
    return hard, soft


MAX_MEASURED: Final = 8_000  # pixels a region's statistics are taken from (a regular subsample beyond this)


def pixel_stats(regions: list[np.ndarray]) -> np.ndarray:
    """(4, 6) float32 from the (n, 3) uint8 pixels of each of :data:`REGIONS`: median L*, a*, b* and their
    standard deviations, lips without teeth-like pixels (as ``eval_makeup_transfer`` measures them); an empty
    region gets the skin's figures."""
    stats = np.zeros((len(REGIONS), 6), dtype=np.float32)
    present = np.zeros(len(REGIONS), dtype=bool)
    for r, pixels in enumerate(regions):
        if len(pixels) < 4:
            continue
        lab = renderer.rgb_to_lab(pixels[::max(1, len(pixels) // MAX_MEASURED)])
        if r == 0:
            keep = renderer.teeth_weight(lab, np.median(lab, axis=0)) > 0.5
            lab = lab[keep] if keep.sum() >= 10 else lab
        stats[r, :3], stats[r, 3:] = np.median(lab, axis=0), lab.std(axis=0)
        present[r] = True
    fallback = stats[-1] if present[-1] else np.zeros(6, dtype=np.float32)
    stats[~present] = fallback
    return stats


def masked_stats(image: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """:func:`pixel_stats` of an image under hard masks (4, H, W) of :data:`REGIONS`."""
    return pixel_stats([image[mask] for mask in hard])


def region_stats(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """:func:`pixel_stats` of a photo at its own resolution (the reference's makeup code)."""
    landmarks = np.asarray(landmarks, dtype=np.float64)
    frame = renderer.FaceFrame.from_landmarks(landmarks)
    masks = [renderer.region_mask(landmarks, r, image.shape[:2], frame, feather=False) for r in REGIONS]
    return pixel_stats([image[m.window][m.hard] if m.hard.size else np.zeros((0, 3), np.uint8) for m in masks])


def lip_measure_mask(image: np.ndarray, lips: np.ndarray) -> np.ndarray:
    """The lip pixels a lip colour is judged on: the hard mask without teeth-like pixels."""
    out = np.zeros_like(lips)
    if lips.sum() < 4:
        return out
    lab = renderer.rgb_to_lab(image[lips])
    out[lips] = renderer.teeth_weight(lab, np.median(lab, axis=0)) > 0.5
    return out


def to_tensor(crops: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float in [-1, 1]."""
    return torch.from_numpy(np.array(crops, dtype=np.uint8)).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    return images.detach().add(1.0).mul(127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy()


def to_lab(images: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) in [-1, 1] -> CIELAB."""
    return tcolour.srgb_to_lab((images + 1) / 2)


def from_lab(lab: torch.Tensor) -> torch.Tensor:
    """CIELAB -> (N, 3, H, W) in [-1, 1]."""
    return tcolour.lab_to_srgb(lab) * 2 - 1


# --- networks ---------------------------------------------------------------------------------------------
def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    # No normalisation layer: instance norm would divide out the very magnitudes (how far a region must move)
    # that the code carries.
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2, inplace=True))


def makeup_code(masks: torch.Tensor, source_stats: torch.Tensor,
                reference_stats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(code maps (N, CODE_CHANNELS, H, W), colour shift (N, 3, H, W) in CIELAB units) for source masks (N, 5,
    H, W) and region statistics (N, 4, 6) of the source and the reference."""
    made_up = masks[:, :MADE_UP]
    diff = reference_stats[:, :, :3] - source_stats[:, :, :3]
    over_skin = reference_stats[:, :MADE_UP, :3] - reference_stats[:, -1:, :3]
    per_region = torch.cat([diff[:, :MADE_UP] / LAB_SCALE, reference_stats[:, :MADE_UP, 3:] / SPREAD_SCALE,
                            over_skin / LAB_SCALE], -1)
    code = torch.einsum("nrc,nrhw->nrchw", per_region, made_up).flatten(1, 2)
    skin = torch.einsum("nc,nhw->nchw", diff[:, -1] / LAB_SCALE, masks[:, MADE_UP])
    shift = torch.einsum("nrc,nrhw->nchw", diff[:, :MADE_UP], made_up)
    return torch.cat([code, skin], 1), shift


class MakeupGenerator(nn.Module):
    """U-Net on (source, its region masks, the spread reference code) -> a CIELAB change of the source.

    The encoder starts with a stride-2 convolution, so the heavy layers run at 64 px and below; a light
    full-resolution head joins the decoder's features with the 128 px inputs, keeping lip borders sharp.
    """

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        w = width
        self.enc1, self.enc2, self.enc3 = _conv(INPUT_CHANNELS, w, 2), _conv(w, w * 2, 2), _conv(w * 2, w * 4, 2)
        self.mid = nn.Sequential(_conv(w * 4, w * 4), _conv(w * 4, w * 4))
        self.dec2, self.dec1 = _conv(w * 4 + w * 2, w * 2), _conv(w * 2 + w, w)
        self.head = nn.Sequential(nn.Conv2d(w + INPUT_CHANNELS, w, 3, 1, 1), nn.LeakyReLU(0.2, inplace=True),
                                  nn.Conv2d(w, 4, 1))
        nn.init.zeros_(self.head[-1].weight)  # starts as the plain region-wise shift
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, source: torch.Tensor, masks: torch.Tensor, source_stats: torch.Tensor,
                reference_stats: torch.Tensor) -> torch.Tensor:
        """The CIELAB change (N, 3, H, W) to add to ``source`` (N, 3, H, W in [-1, 1]) inside the face."""
        code, shift = makeup_code(masks, source_stats, reference_stats)
        inputs = torch.cat([source, masks, code, shift / LAB_SCALE], 1)
        e1 = self.enc1(inputs)
        e2 = self.enc2(e1)
        m = self.mid(self.enc3(e2))
        d2 = self.dec2(torch.cat([F.interpolate(m, scale_factor=2.0), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0), e1], 1))
        up = F.interpolate(d1, scale_factor=2.0, mode="bilinear", align_corners=False)
        out = self.head(torch.cat([up, inputs], 1))
        return shift * (1 + out[:, :1]) + RESIDUAL_SCALE * out[:, 1:]


def composite(source: torch.Tensor, change: torch.Tensor, face: torch.Tensor) -> torch.Tensor:
    """The source (in [-1, 1]) with the CIELAB ``change`` added inside the feathered face alpha (N, H, W)."""
    return from_lab(to_lab(source) + change * face[:, None])


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


# --- losses -----------------------------------------------------------------------------------------------
def region_colour_error(output_lab: torch.Tensor, measure: torch.Tensor, reference_stats: torch.Tensor,
                        present: torch.Tensor) -> torch.Tensor:
    """(N, MADE_UP) mean absolute CIELAB error between each made-up region's mean colour in the output and the
    reference's median (0 where the region is missing or the look has no product there)."""
    weight = measure.sum((2, 3))
    mean = torch.einsum("nchw,nrhw->nrc", output_lab, measure) / weight.clamp_min(1.0)[..., None]
    error = (mean - reference_stats[:, :MADE_UP, :3]).abs().mean(-1)
    return error * (present & (weight >= 10)).float()


def identity_loss(embed: nn.Module, output: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """Squared distance between dlib descriptors of the output and the source (frozen recognition network)."""
    def descriptors(x: torch.Tensor) -> torch.Tensor:
        return embed(F.interpolate((x + 1) * 127.5, size=(150, 150), mode="bilinear", align_corners=False))

    with torch.no_grad():
        target = descriptors(source)
    return ((descriptors(output) - target) ** 2).sum(1).mean()


def paste_change(image: np.ndarray, landmarks: np.ndarray, box: CropBox, change: np.ndarray) -> np.ndarray:
    """Add a crop-space CIELAB change (H, W, 3) back onto the full photo inside the feathered face mask only;
    pixels outside the mask, and those far from any crop pixel changed by :data:`MIN_CHANGE` or more, are
    copied unchanged (smaller changes round to the same 8-bit colour)."""
    mask = renderer.region_mask(landmarks, "face", image.shape[:2])
    out = np.array(image, copy=True)
    if not mask.hard.size:
        return out
    # Face pixels near a crop pixel whose change shows (the made-up regions), then a bilinear sample of the
    # change at those pixels: a photo pixel's centre x sits at (x + 0.5 - box.left) * k - 0.5 in crop pixels.
    rows, cols = np.nonzero(mask.alpha > 0)
    k = change.shape[0] / box.side
    u = np.clip((cols + mask.left + 0.5 - box.left) * k - 0.5, 0, change.shape[1] - 1)
    v = np.clip((rows + mask.top + 0.5 - box.top) * k - 0.5, 0, change.shape[0] - 1)
    shows = np.abs(change).max(-1) >= MIN_CHANGE
    shows = np.asarray(Image.fromarray(shows).filter(ImageFilter.MaxFilter(3)))
    near = shows[np.rint(v).astype(int), np.rint(u).astype(int)]
    rows, cols, u, v = rows[near], cols[near], u[near], v[near]
    u0, v0 = np.floor(u).astype(int), np.floor(v).astype(int)
    u1, v1 = np.minimum(u0 + 1, change.shape[1] - 1), np.minimum(v0 + 1, change.shape[0] - 1)
    fu, fv = (u - u0)[:, None], (v - v0)[:, None]
    sample = ((change[v0, u0] * (1 - fu) + change[v0, u1] * fu) * (1 - fv)
              + (change[v1, u0] * (1 - fu) + change[v1, u1] * fu) * fv) * mask.alpha[rows, cols, None]
    window = out[mask.window]
    lab = renderer.rgb_to_lab(window[rows, cols]) + sample.astype(np.float32)
    lab[:, 0] = np.clip(lab[:, 0], 0.0, 100.0)
    window[rows, cols] = renderer.lab_to_rgb(lab)
    return out


@dataclass
class Transfer:
    """A loaded generator ready for inference on full photos."""

    generator: MakeupGenerator
    device: torch.device

    def __call__(self, image: np.ndarray, landmarks: np.ndarray, reference: np.ndarray,
                 reference_landmarks: np.ndarray) -> np.ndarray:
        landmarks = np.asarray(landmarks, dtype=np.float64)
        box = CropBox.around(landmarks)
        _, soft = region_masks(box.to_crop(landmarks), (CROP, CROP))
        stats = np.stack([region_stats(image, landmarks), region_stats(reference, reference_landmarks)])
        tensors = [to_tensor(box.cut(image)[None]), torch.from_numpy(soft[None]),
                   torch.from_numpy(stats[:1]), torch.from_numpy(stats[1:])]
        # On CPU one intra-op thread: on a shared box torch's per-operator thread hand-offs cost more than they
        # gain for a network this small (see recognition.ml.threads).
        threads = one_intra_op_thread() if self.device.type == "cpu" else nullcontext()
        with threads, torch.inference_mode():
            change = self.generator(*(t.to(self.device) for t in tensors))
        return paste_change(image, landmarks, box, change[0].permute(1, 2, 0).float().cpu().numpy())


ARCHITECTURE: Final = "region-stats-v2"


def save_checkpoint(path: str, generator: MakeupGenerator, meta: dict) -> None:
    """The serving checkpoint: generator weights in half precision (small file) and its settings."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in generator.state_dict().items()}
    torch.save({"generator": state, "meta": {**meta, "architecture": ARCHITECTURE}}, path)


def load_transfer(path: str, device: torch.device) -> Transfer:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    meta = blob["meta"]
    if meta.get("architecture") != ARCHITECTURE:
        raise ValueError(f"{path} holds a {meta.get('architecture', 'v1')} generator, not {ARCHITECTURE}")
    generator = MakeupGenerator(width=meta["width"])
    generator.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["generator"].items()})
    return Transfer(generator.to(device).eval(), device)
