"""The reader for dlib's serialization walks both shipped networks to their last byte."""

from collections import Counter

import numpy as np
import pytest

from recognition.ml.dlib_files import model_path
from recognition.ml.dlib_format import DlibFormatError, Reader, read_network


@pytest.fixture(scope="module")
def resnet():
    return read_network(model_path("resnet"))


def test_resnet_layers_and_parameters(resnet):
    assert resnet.loss == "loss_metric_2"
    assert resnet.loss_options["distance_threshold"] == pytest.approx(0.6)
    assert resnet.loss_options["margin"] == pytest.approx(0.04)
    assert resnet.input.record == "input_rgb_image_sized" and resnet.input.attrs["nr"] == 150
    assert np.allclose(resnet.input.attrs["avg_rgb"], (122.782, 117.001, 104.298), atol=1e-4)
    kinds = Counter(layer.kind for layer in resnet.layers)
    assert kinds == {"con": 29, "affine": 29, "relu": 29, "add_prev": 14, "avg_pool": 5, "max_pool": 1, "fc": 1}
    assert sum(layer.params.size for layer in resnet.layers) == 5_614_592
    stem = resnet.layers[0]
    assert (stem.record, stem.attrs["nr"], stem.attrs["stride_y"], stem.attrs["padding_y"]) == ("con_4", 7, 2, 0)
    fc = resnet.layers[-1]
    assert (fc.attrs["num_inputs"], fc.attrs["num_outputs"], fc.attrs["bias_mode"]) == (256, 128, 1)
    # Every stride-2 convolution is unpadded; every stride-1 one keeps the size.
    for con in (layer for layer in resnet.layers if layer.kind == "con"):
        expected = 0 if con.attrs["stride_y"] == 2 else con.attrs["nr"] // 2
        assert con.attrs["padding_y"] == expected


def test_mmod_layers_and_options():
    net = read_network(model_path("mmod"))
    assert net.loss == "loss_mmod_"
    assert net.loss_options["detector_windows"] == [(80, 80)]
    assert net.loss_options["nms_iou"] == pytest.approx(0.3383, abs=1e-4)
    assert net.input.record == "input_rgb_image_pyramid" and net.input.attrs["pyramid_padding"] == 10
    assert [layer.kind for layer in net.layers] == ["con", "bn_con", "relu"] * 6 + ["con"]
    assert [layer.attrs["num_filters"] for layer in net.layers if layer.kind == "con"] == [16, 32, 32, 45, 45, 45, 1]
    assert all(layer.attrs["eps"] == pytest.approx(1e-4) for layer in net.layers if layer.kind == "bn_con")


@pytest.mark.parametrize(("data", "value"), [
    (b"\x01\x00", 0), (b"\x01\x7f", 127), (b"\x02\x00\x01", 256), (b"\x81\x04", -4),
    (b"\x03\x00\x00\x01", 65536),
])
def test_integers(data, value):
    reader = Reader(data)
    assert reader.int() == value and reader.at_end


def test_floats_strings_bools_and_tensors():
    reader = Reader(b"\x01\x10\x81\x04" + b"\x01\x03abc" + b"10" + b"\x01\x02\x01\x01\x01\x01\x01\x01\x01\x02"
                    + np.array([1.5, -2.0], "<f4").tobytes())
    assert reader.float() == 1.0
    assert reader.string() == "abc"
    assert (reader.bool(), reader.bool()) == (True, False)
    assert reader.tensor().reshape(-1).tolist() == [1.5, -2.0]
    assert reader.at_end


@pytest.mark.parametrize("data", [b"\x02\x01", b"\x7f", b"\x01\x05ab", b"x"])
def test_malformed_bytes_raise_a_format_error(data):
    reader = Reader(data)
    with pytest.raises(DlibFormatError):
        reader.string() if data.startswith(b"\x01\x05") else (reader.bool() if data == b"x" else reader.int())


def test_truncated_and_padded_files_are_refused(tmp_path):
    data = model_path("mmod").read_bytes()
    (tmp_path / "short.dat").write_bytes(data[:-7])
    (tmp_path / "long.dat").write_bytes(data + b"\x00")
    for name in ("short.dat", "long.dat"):
        with pytest.raises(DlibFormatError):
            read_network(tmp_path / name)
