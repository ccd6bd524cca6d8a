"""dlib's MMOD CNN face detector (``mmod_human_face_detector.dat``) ported to torch.

dlib's network: three 5x5/2 unpadded convolutions (16, 32, 32 filters), three 5x5/1 convolutions (45), each
followed by batch norm and relu, then one 9x9 convolution giving a score map. It is run once on a *tiled
pyramid*: the image and its successive 5/6 downscales packed into one canvas (10 px between levels, 11 px
around, zeros in mean-subtracted space), so one pass covers every scale. A score above 0 at an output
position is an 80x80 window in the canvas, which maps back to the level it lies in and up to the image.
Overlapping windows are suppressed greedily with dlib's test (intersection over the *bounding box* of the
two rectangles > 0.338, or one rectangle entirely inside the other).

The layout, the bilinear level resizing and the coordinate mappings follow dlib (``image_pyramid.h``,
``input.h``, ``loss.h``) so the detections match ``dlib.cnn_face_detection_model_v1``.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from recognition.ml.dlib_format import DlibFormatError, LayerRecord, read_network
from recognition.ml.landmarks import Detection

PYRAMID_RATE = 5 / 6  # dlib's pyramid_down<6>
MIN_LEVEL_HEIGHT = 5


def _folded_conv(con: LayerRecord, bn: LayerRecord | None) -> nn.Conv2d:
    """A Conv2d with dlib's inference-time batch norm (running statistics) folded into it."""
    a = con.attrs
    out_ch, (in_ch, kh, kw) = a["num_filters"], a["filters_shape"]
    n = out_ch * in_ch * kh * kw
    weight = con.params[:n].reshape(out_ch, in_ch, kh, kw).astype(np.float64)
    bias = con.params[n:n + out_ch].astype(np.float64)
    if bn is not None:
        gamma, beta = bn.params[:out_ch].astype(np.float64), bn.params[out_ch:].astype(np.float64)
        scale = gamma / np.sqrt(bn.attrs["running_variances"].astype(np.float64) + bn.attrs["eps"])
        weight = weight * scale[:, None, None, None]
        bias = (bias - bn.attrs["running_means"].astype(np.float64)) * scale + beta
    conv = nn.Conv2d(in_ch, out_ch, (kh, kw), stride=(a["stride_y"], a["stride_x"]),
                     padding=(a["padding_y"], a["padding_x"]))
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight))
        conv.bias.copy_(torch.from_numpy(bias))
    return conv


class MmodNet(nn.Module):
    """The score network: (N, 3, H, W) mean-subtracted /256 input -> (N, 1, h, w) detection scores."""

    def __init__(self, convs: list[nn.Conv2d]) -> None:
        super().__init__()
        self.convs = nn.ModuleList(convs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs[:-1]:
            x = F.relu(conv(x))
        return self.convs[-1](x)

    def output_to_input(self, xy: np.ndarray) -> np.ndarray:
        """dlib's ``output_tensor_to_input_tensor``: through each conv, p * stride - padding + kernel // 2."""
        for conv in reversed(self.convs):
            (kh, kw), (sh, sw), (ph, pw) = conv.kernel_size, conv.stride, conv.padding
            xy = xy * np.array([sw, sh]) - np.array([pw, ph]) + np.array([kw // 2, kh // 2])
        return xy


@dataclass(frozen=True)
class MmodOptions:
    window: tuple[int, int]  # width, height
    nms_iou: float
    nms_covered: float
    mean_rgb: tuple[float, float, float]
    padding: int
    outer_padding: int


def pyramid_layout(height: int, width: int, padding: int, outer_padding: int) -> tuple[list[tuple[int, ...]], int, int]:
    """dlib's ``compute_tiled_image_pyramid_details``: (left, top, right, bottom) of each level, canvas size."""
    sizes = [(height, width)]
    nr, nc = height, width
    while True:
        nr, nc = math.floor(PYRAMID_RATE * nr), math.floor(PYRAMID_RATE * nc)
        if nr * nc == 0 or nr < MIN_LEVEL_HEIGHT:
            break
        sizes.append((nr, nc))
    total_height = sum(h + padding for h, _ in sizes) - 2 * padding
    column_height, prev_width = 0, 0
    for h, w in sizes:
        # The first column goes on until the next level fits beside the previous one and the column is at
        # least half of everything; the rest double back up a second column.
        if w <= width - prev_width - padding and (column_height - height) * 2 >= total_height - height:
            break
        column_height += h + padding
        prev_width = w
    column_height -= padding
    canvas_h, canvas_w = column_height + 2 * outer_padding, width + 2 * outer_padding
    rects: list[tuple[int, ...]] = []
    y, i = outer_padding, 0
    while y < column_height + outer_padding and i < len(sizes):
        h, w = sizes[i]
        rects.append((outer_padding, y, outer_padding + w - 1, y + h - 1))
        y += h + padding
        i += 1
    y -= padding
    while i < len(sizes):
        h, w = sizes[i]
        right, bottom = outer_padding + width - 1, y - 1
        rect = (right - (w - 1), bottom - (h - 1), right, bottom)
        first = rects[0]
        if not (rect[2] < first[0] or rect[0] > first[2] or rect[3] < first[1] or rect[1] > first[3]):
            break
        rects.append(rect)
        y -= h + padding
        i += 1
    return rects, canvas_h, canvas_w


def _nearest_level(rects: list[tuple[int, ...]], point: np.ndarray) -> int:
    best, best_dist = 0, math.inf
    for i, (left, top, right, bottom) in enumerate(rects):
        nearest = np.clip(point, [left, top], [right, bottom])
        if (nearest == point).all():
            return i
        dist = float(np.hypot(*(nearest - point)))
        if dist < best_dist:
            best, best_dist = i, dist
    return best


def _point_up(p: np.ndarray, levels: int) -> np.ndarray:
    for _ in range(levels):
        p = p / PYRAMID_RATE + 0.3
    return p


def _overlaps(a: tuple[int, ...], b: tuple[int, ...], iou: float, covered: float) -> bool:
    """dlib's ``test_box_overlap`` on inclusive integer rectangles."""
    def area(r: tuple[int, ...]) -> int:
        return max(0, r[2] - r[0] + 1) * max(0, r[3] - r[1] + 1)

    inner = area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    if inner == 0:
        return False
    outer = area((min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])))
    return inner / outer > iou or inner / area(a) > covered or inner / area(b) > covered


def _round(v: float) -> int:
    return math.floor(v + 0.5)


class MmodDetector:
    """Faces in an (H, W, 3) uint8 RGB array, as :class:`Detection` boxes, on any torch device."""

    def __init__(self, net: MmodNet, options: MmodOptions, device: torch.device) -> None:
        self.net = net.to(device).eval()
        self.options = options
        self.device = device
        self.mean = torch.tensor(options.mean_rgb, device=device).view(3, 1, 1)

    @classmethod
    def from_dlib(cls, path: Path, device: torch.device) -> "MmodDetector":
        net = read_network(path)
        if net.loss != "loss_mmod_":
            raise DlibFormatError("not an MMOD detector file")
        records = list(net.layers)
        convs = []
        while records:
            con = records.pop(0)
            if con.kind != "con":
                raise DlibFormatError(f"expected a convolution, found {con.record}")
            if records:
                bn, relu = records.pop(0), records.pop(0)
                if (bn.kind, relu.kind) not in (("bn_con", "relu"), ("affine", "relu")):
                    raise DlibFormatError(f"expected batch norm and relu after a convolution, found {bn.record}")
                convs.append(_folded_conv(con, bn if bn.kind == "bn_con" else None))
            else:
                convs.append(_folded_conv(con, None))
        o, inp = net.loss_options, net.input.attrs
        options = MmodOptions(window=o["detector_windows"][0], nms_iou=o["nms_iou"], nms_covered=o["nms_covered"],
                              mean_rgb=inp["avg_rgb"], padding=inp["pyramid_padding"],
                              outer_padding=inp["pyramid_outer_padding"])
        return cls(MmodNet(convs), options, device)

    def _canvas(self, image: torch.Tensor) -> tuple[torch.Tensor, list[tuple[int, ...]]]:
        """The tiled pyramid of a (3, H, W) float image, mean-subtracted and scaled as dlib's input layer."""
        _, height, width = image.shape
        rects, canvas_h, canvas_w = pyramid_layout(height, width, self.options.padding, self.options.outer_padding)
        canvas = torch.zeros((3, canvas_h, canvas_w), dtype=torch.float32, device=self.device)
        level = (image - self.mean) / 256.0
        for i, (left, top, right, bottom) in enumerate(rects):
            if i:
                level = F.interpolate(level[None], size=(bottom - top + 1, right - left + 1), mode="bilinear",
                                      align_corners=True)[0]
            canvas[:, top:bottom + 1, left:right + 1] = level
        return canvas, rects

    @torch.inference_mode()
    def __call__(self, rgb: np.ndarray, upsample: int = 0, threshold: float = 0.0) -> list[Detection]:
        image = torch.from_numpy(np.array(rgb, dtype=np.uint8)).to(self.device).permute(2, 0, 1).float()
        for _ in range(upsample):  # dlib's pyramid_up: a bilinear resize to the up-mapped image rectangle
            _, h, w = image.shape
            image = F.interpolate(image[None], size=(2 * h + 1, 2 * w + 2), mode="bilinear", align_corners=True)[0]
        if min(image.shape[1:]) < MIN_LEVEL_HEIGHT:
            return []
        canvas, rects = self._canvas(image)
        scores = self.net(canvas[None])[0, 0]
        ys, xs = torch.nonzero(scores > threshold, as_tuple=True)
        values = scores[ys, xs].double().cpu().numpy()
        positions = self.net.output_to_input(torch.stack([xs, ys], dim=1).cpu().numpy().astype(np.float64))
        half = (np.array(self.options.window, dtype=np.float64) - 1) / 2
        candidates = []
        for score, center in sorted(zip(values, positions, strict=True), key=lambda sc: -sc[0]):
            i = _nearest_level(rects, center)
            origin = np.array(rects[i][:2], dtype=np.float64)
            tl, br = _point_up(center - half - origin, i), _point_up(center + half - origin, i)
            candidates.append(((_round(tl[0]), _round(tl[1]), _round(br[0]), _round(br[1])), float(score)))
        kept: list[tuple[tuple[int, ...], float]] = []
        for rect, score in candidates:
            if not any(_overlaps(k, rect, self.options.nms_iou, self.options.nms_covered) for k, _ in kept):
                kept.append((rect, score))
        detections = []
        for rect, score in kept:
            box = np.array(rect, dtype=np.float64)
            for _ in range(upsample):  # back through dlib's pyramid_up: p / 2 - (1.25, 0.75), then rounded
                box = np.floor(box / 2 - np.array([1.25, 0.75, 1.25, 0.75]) + 0.5)
            detections.append(Detection(box, score))
        return detections
