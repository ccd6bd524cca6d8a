"""A reader for dlib's binary serialization of DNNs, enough to load dlib's face ResNet and MMOD detector.

dlib writes a network outermost layer first, but each ``add_layer`` writes its subnetwork before its own
record, so the layer records come out input-side first. Tag and skip wrappers write only a version number:
they leave no trace in the stream, so the wiring of the network comes from its C++ definition (mirrored by
the torch modules), and this reader returns the flat, ordered list of layer records. Encodings (dlib's
``serialize.h``, ``float_details.h``, ``dnn/*.h``):

- integer: control byte (0x80 = negative, low 4 bits = number of bytes), then the magnitude little-endian;
- string: length integer, then bytes; bool: one ASCII byte ``'1'``/``'0'``;
- scalar float/double: mantissa integer then exponent integer, value = m * 2**e;
- tensor: version 2, four dimensions, raw little-endian float32 data; version 1 is an alias (no data).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


class DlibFormatError(ValueError):
    """The bytes are not the dlib serialization this reader understands."""


_FLOAT_SPECIALS = {32000: float("inf"), 32001: float("-inf"), 32002: float("nan")}


class Reader:
    """Sequential reader of dlib's primitive encodings over an in-memory file."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    @property
    def at_end(self) -> bool:
        return self.pos == len(self.data)

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise DlibFormatError(f"unexpected end of file at byte {self.pos} (wanted {n} more)")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int(self) -> int:
        control = self._take(1)[0]
        size = control & 0x0F
        if size > 8 or control & 0x70:
            raise DlibFormatError(f"bad integer control byte 0x{control:02x} at byte {self.pos - 1}")
        value = int.from_bytes(self._take(size), "little")
        return -value if control & 0x80 else value

    def string(self) -> str:
        length = self.int()
        if not 0 <= length < 1 << 20:
            raise DlibFormatError(f"implausible string length {length} at byte {self.pos}")
        return self._take(length).decode("latin-1")

    def bool(self) -> bool:
        byte = self._take(1)
        if byte not in (b"0", b"1"):
            raise DlibFormatError(f"bad bool byte {byte!r} at byte {self.pos - 1}")
        return byte == b"1"

    def float(self) -> float:
        mantissa = self.int()
        exponent = self.int()
        if exponent in _FLOAT_SPECIALS:
            return _FLOAT_SPECIALS[exponent]
        return float(mantissa) * 2.0 ** exponent

    def tensor(self) -> np.ndarray:
        """A data tensor as (num_samples, k, nr, nc) float32; an alias entry gives an empty array of that shape."""
        version = self.int()
        dims = tuple(self.int() for _ in range(4))
        if version == 1:
            return np.empty((0, *dims[1:]), dtype=np.float32)
        if version != 2:
            raise DlibFormatError(f"unknown tensor version {version} at byte {self.pos}")
        count = int(np.prod(dims))
        values = np.frombuffer(self._take(4 * count), dtype="<f4").astype(np.float32)
        return values.reshape(dims)

    def expect_string(self, *names: str) -> str:
        name = self.string()
        if name not in names:
            raise DlibFormatError(f"expected one of {names}, found {name!r} at byte {self.pos}")
        return name


@dataclass
class LayerRecord:
    """One computational layer as stored: its kind, the exact record name (version) and its values."""

    kind: str  # con, affine, bn_con, relu, max_pool, avg_pool, add_prev, fc, input_*
    record: str
    params: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))
    attrs: dict[str, Any] = field(default_factory=dict)


def _read_con(r: Reader, name: str) -> LayerRecord:
    params = r.tensor().ravel()
    attrs = {key: r.int() for key in ("num_filters", "nr", "nc", "stride_y", "stride_x", "padding_y",
                                      "padding_x")}
    filters, biases = r.tensor(), r.tensor()
    attrs["filters_shape"] = filters.shape[1:]
    attrs["bias_count"] = biases.shape[1]
    for _ in range(4):  # learning-rate and weight-decay multipliers: training only
        r.float()
    attrs["use_bias"] = r.bool() if name in ("con_5", "con_6") else True
    if name == "con_6":
        attrs["use_relu"] = r.bool()
    return LayerRecord("con", name, params, attrs)


def _read_affine(r: Reader, name: str) -> LayerRecord:
    params = r.tensor().ravel()
    r.tensor()  # gamma alias
    r.tensor()  # beta alias
    attrs = {"mode": r.int()}
    attrs["disabled"] = r.bool() if name == "affine_2" else False
    return LayerRecord("affine", name, params, attrs)


def _read_bn(r: Reader, name: str) -> LayerRecord:
    params = r.tensor().ravel()
    r.tensor()  # gamma alias
    r.tensor()  # beta alias
    r.tensor()  # batch means (training)
    r.tensor()  # batch inverse stds (training)
    running_means = r.tensor().ravel()
    running_variances = r.tensor().ravel()
    attrs: dict[str, Any] = {"num_updates": r.int(), "running_stats_window_size": r.int()}
    for _ in range(4):
        r.float()
    attrs["eps"] = r.float()
    attrs["running_means"] = running_means
    attrs["running_variances"] = running_variances
    return LayerRecord("bn_con", name, params, attrs)


def _read_pool(r: Reader, name: str) -> LayerRecord:
    attrs = {key: r.int() for key in ("nr", "nc", "stride_y", "stride_x")}
    if name.endswith("_2"):
        attrs["padding_y"], attrs["padding_x"] = r.int(), r.int()
    else:  # the first version had no padding fields; dlib's defaults apply
        attrs["padding_y"] = attrs["nr"] // 2 if attrs["stride_y"] == 1 else 0
        attrs["padding_x"] = attrs["nc"] // 2 if attrs["stride_x"] == 1 else 0
    return LayerRecord("max_pool" if name.startswith("max") else "avg_pool", name, attrs=attrs)


def _read_fc(r: Reader, name: str) -> LayerRecord:
    attrs: dict[str, Any] = {"num_outputs": r.int(), "num_inputs": r.int()}
    params = r.tensor().ravel()
    r.tensor()  # weights alias
    r.tensor()  # biases alias
    attrs["bias_mode"] = r.int()  # 0 = with bias, 1 = no bias
    for _ in range(4):
        r.float()
    return LayerRecord("fc", name, params, attrs)


def _read_input(r: Reader, name: str) -> LayerRecord:
    attrs: dict[str, Any] = {"avg_rgb": (r.float(), r.float(), r.float())}
    if name == "input_rgb_image_sized":
        attrs["nr"], attrs["nc"] = r.int(), r.int()
    elif name == "input_rgb_image_pyramid2":
        attrs["pyramid_padding"], attrs["pyramid_outer_padding"] = r.int(), r.int()
    else:  # the first pyramid version stored no padding; dlib's defaults
        attrs["pyramid_padding"], attrs["pyramid_outer_padding"] = 10, 11
    return LayerRecord("input", name, attrs=attrs)


def read_layer_record(r: Reader) -> LayerRecord:
    name = r.string()
    if name in ("con_4", "con_5", "con_6"):
        return _read_con(r, name)
    if name in ("affine_", "affine_2"):
        return _read_affine(r, name)
    if name == "bn_con2":
        return _read_bn(r, name)
    if name in ("relu_", "relu_2"):
        if name == "relu_2":
            r.bool()  # disabled flag
        return LayerRecord("relu", name)
    if name in ("max_pool_", "max_pool_2", "avg_pool_", "avg_pool_2"):
        return _read_pool(r, name)
    if name in ("add_prev", "add_prev_"):
        return LayerRecord("add_prev", name)
    if name in ("fc_2", "fc_3"):
        return _read_fc(r, name)
    if name in ("input_rgb_image_sized", "input_rgb_image_pyramid", "input_rgb_image_pyramid2"):
        return _read_input(r, name)
    raise DlibFormatError(f"unsupported layer record {name!r} at byte {r.pos}")


def _skip_layer_tail(r: Reader) -> None:
    """What ``add_layer`` writes after its record: three state flags and three working tensors."""
    for _ in range(3):
        r.bool()
    for _ in range(3):
        r.tensor()


@dataclass
class DlibNetwork:
    loss: str
    loss_options: dict[str, Any]
    input: LayerRecord
    layers: list[LayerRecord]  # input side first; the first is the layer fused with the input node

    def of_kind(self, kind: str) -> list[LayerRecord]:
        return [layer for layer in self.layers if layer.kind == kind]


def _read_loss(r: Reader) -> tuple[str, dict[str, Any]]:
    name = r.expect_string("loss_metric_", "loss_metric_2", "loss_mmod_")
    if name.startswith("loss_metric"):
        options = {"margin": r.float(), "distance_threshold": r.float() if name == "loss_metric_2" else 0.6}
        return name, options
    version = r.int()
    if version != 1:
        raise DlibFormatError(f"mmod options version {version} is not supported")
    options = {
        "detector_windows": [(r.int(), r.int())],  # width, height
        "loss_per_false_alarm": r.float(),
        "loss_per_missed_target": r.float(),
        "truth_match_iou_threshold": r.float(),
        "nms_iou": r.float(), "nms_covered": r.float(),
        "ignore_iou": r.float(), "ignore_covered": r.float(),
    }
    return name, options


def read_network(path: Path) -> DlibNetwork:
    """Parse a serialized ``loss<add_layer<...<input>>>`` network; every byte must be accounted for."""
    r = Reader(Path(path).read_bytes())
    if r.int() != 1:
        raise DlibFormatError("not a dlib loss-layer file (version 1 expected)")
    loss, options = _read_loss(r)
    versions = []
    while True:
        version = r.int()
        if version == 3:
            break
        if version not in (1, 2):  # 2: add_layer, 1: tag or skip wrapper
            raise DlibFormatError(f"unexpected layer version {version} at byte {r.pos}")
        versions.append(version)
    input_record = read_layer_record(r)
    layers = [read_layer_record(r)]
    _skip_layer_tail(r)  # for the input node the third tensor is its final gradient, not params_grad
    if r.int() != 1:
        raise DlibFormatError("sample expansion factor 1 expected")
    for version in reversed(versions):
        if version == 2:
            layers.append(read_layer_record(r))
            _skip_layer_tail(r)
    if not r.at_end:
        raise DlibFormatError(f"{len(r.data) - r.pos} unread bytes after the network")
    return DlibNetwork(loss=loss, loss_options=options, input=input_record, layers=layers)
