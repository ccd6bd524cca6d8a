"""dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) as a torch module.

The network (dlib's ``dnn_face_recognition_ex.cpp``) maps a 150x150 RGB face chip to a 128-D descriptor:
a 7x7/2 stem, a 3x3/2 max pool, 14 residual blocks (32 x3, 64 x4, 128 x3, 256 x3, 256 x1) whose first block
of each stage halves the size with an unpadded 3x3/2 conv and an average-pooled shortcut, a global average
and a 128-unit linear layer without bias. Two dlib details decide parity and are kept exactly:

- stride-2 convolutions and pools are unpadded (``floor((n - k) / 2) + 1``), and
- ``add_prev`` adds tensors of different shapes by zero-padding both to the larger channel count and size
  (at the end), which happens where a 3x3 branch meets a 4x4 shortcut.

The stored ``affine`` layers (batch norm already folded by dlib) are folded further into the preceding
convolution's weights at load time. Descriptors are returned as dlib gives them (not L2-normalised).
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from recognition.ml.dlib_format import DlibFormatError, DlibNetwork, LayerRecord, read_network

CHIP_SIZE = 150
# dlib's input layer subtracts these per-channel means and divides by 256 (not 255).
MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_SCALE = 256.0


def _conv_from_records(con: LayerRecord, affine: LayerRecord) -> nn.Conv2d:
    """A Conv2d whose weights are dlib's convolution followed by its per-channel affine scale and shift."""
    a = con.attrs
    out_ch, (in_ch, kh, kw) = a["num_filters"], a["filters_shape"]
    n_weights = out_ch * in_ch * kh * kw
    weight = con.params[:n_weights].reshape(out_ch, in_ch, kh, kw).astype(np.float64)
    bias = con.params[n_weights:n_weights + out_ch].astype(np.float64) if a["use_bias"] else np.zeros(out_ch)
    if affine.attrs.get("disabled"):
        gamma, beta = np.ones(out_ch), np.zeros(out_ch)
    else:
        gamma, beta = affine.params[:out_ch].astype(np.float64), affine.params[out_ch:].astype(np.float64)
    conv = nn.Conv2d(in_ch, out_ch, (kh, kw), stride=(a["stride_y"], a["stride_x"]),
                     padding=(a["padding_y"], a["padding_x"]), bias=True)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight * gamma[:, None, None, None]))
        conv.bias.copy_(torch.from_numpy(bias * gamma + beta))
    return conv


def add_padded(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """dlib's ``add_prev``: sum of two (N, C, H, W) tensors after zero-padding both to the larger shape."""
    if a.shape == b.shape:
        return a + b
    channels, height, width = (max(a.shape[i], b.shape[i]) for i in (1, 2, 3))

    def pad(t: torch.Tensor) -> torch.Tensor:
        return F.pad(t, (0, width - t.shape[3], 0, height - t.shape[2], 0, channels - t.shape[1]))

    return pad(a) + pad(b)


class ResidualBlock(nn.Module):
    """conv-affine-relu-conv-affine plus the (average-pooled when downsampling) input, then relu."""

    def __init__(self, conv1: nn.Conv2d, conv2: nn.Conv2d, downsample: bool) -> None:
        super().__init__()
        self.conv1, self.conv2, self.downsample = conv1, conv2, downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch = self.conv2(F.relu(self.conv1(x)))
        shortcut = F.avg_pool2d(x, 2, 2) if self.downsample else x
        return F.relu(add_padded(branch, shortcut))


class DlibFaceResNet(nn.Module):
    """Input: (N, 3, 150, 150) RGB values 0-255 (any float or uint8 dtype); output: (N, 128) descriptors."""

    def __init__(self, stem: nn.Conv2d, blocks: list[ResidualBlock], fc: nn.Linear) -> None:
        super().__init__()
        self.stem = stem
        self.blocks = nn.Sequential(*blocks)
        self.fc = fc
        self.register_buffer("mean", torch.tensor(MEAN_RGB).view(1, 3, 1, 1), persistent=False)

    def pooled(self, chips: torch.Tensor) -> torch.Tensor:
        """(N, 256) globally pooled activations of the last block: what ``fc`` projects to the descriptor."""
        x = (chips.to(self.stem.weight.dtype) - self.mean.to(self.stem.weight.dtype)) / INPUT_SCALE
        x = F.max_pool2d(F.relu(self.stem(x)), 3, 2)
        return self.blocks(x).mean(dim=(2, 3))

    def forward(self, chips: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pooled(chips))

    @classmethod
    def from_dlib(cls, path: Path) -> "DlibFaceResNet":
        return cls.from_network(read_network(path))

    @classmethod
    def from_network(cls, net: DlibNetwork) -> "DlibFaceResNet":
        """Build the module by walking the stored layer records in order, checking the expected pattern."""
        if not net.loss.startswith("loss_metric") or net.input.attrs.get("nr") != CHIP_SIZE:
            raise DlibFormatError("not dlib's 150x150 metric-learning network")
        if not np.allclose(net.input.attrs["avg_rgb"], MEAN_RGB, atol=1e-3):
            raise DlibFormatError(f"unexpected input means {net.input.attrs['avg_rgb']}")
        records = list(net.layers)

        def take(*kinds: str) -> list[LayerRecord]:
            got = [records.pop(0) for _ in kinds]
            found = tuple(r.kind for r in got)
            if found != kinds:
                raise DlibFormatError(f"layer pattern {found} where {kinds} was expected")
            return got

        con, affine, _, pool = take("con", "affine", "relu", "max_pool")
        if (pool.attrs["nr"], pool.attrs["stride_y"], pool.attrs["padding_y"]) != (3, 2, 0):
            raise DlibFormatError("the stem's max pool is not 3x3 stride 2 unpadded")
        stem = _conv_from_records(con, affine)
        blocks = []
        while records[0].kind == "con":
            c1, a1, _, c2, a2 = take("con", "affine", "relu", "con", "affine")
            downsample = records[0].kind == "avg_pool"
            if downsample:
                (avg,) = take("avg_pool")
                if (avg.attrs["nr"], avg.attrs["stride_y"], avg.attrs["padding_y"]) != (2, 2, 0):
                    raise DlibFormatError("a shortcut pool is not 2x2 stride 2 unpadded")
            take("add_prev", "relu")
            blocks.append(ResidualBlock(_conv_from_records(c1, a1), _conv_from_records(c2, a2), downsample))
        gap, fc_record = take("avg_pool", "fc")
        if gap.attrs["nr"] != 0 or records:
            raise DlibFormatError("expected a global average pool and the final fc layer")
        n_in, n_out = fc_record.attrs["num_inputs"], fc_record.attrs["num_outputs"]
        fc = nn.Linear(n_in, n_out, bias=False)
        with torch.no_grad():  # dlib stores (inputs, outputs): the transpose of nn.Linear.weight
            fc.weight.copy_(torch.from_numpy(fc_record.params[:n_in * n_out].reshape(n_in, n_out).T.copy()))
        return cls(stem, blocks, fc).eval()
