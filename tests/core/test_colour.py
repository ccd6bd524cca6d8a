import csv

import numpy as np
import pytest

from beautyrec.core import colour
from beautyrec.core.errors import InvalidInput
from tests.conftest import FIXTURES


def sharma_pairs():
    with (FIXTURES / "ciede2000_sharma2005.csv").open() as fh:
        rows = [r for r in csv.reader(line for line in fh if not line.startswith("#"))][1:]
    return np.array(rows, dtype=np.float64)


def test_ciede2000_matches_all_34_published_pairs():
    data = sharma_pairs()
    assert len(data) == 34
    got = colour.ciede2000(data[:, 0:3], data[:, 3:6])
    np.testing.assert_allclose(got, data[:, 6], atol=5e-5)


def test_ciede2000_is_symmetric_and_zero_on_identity():
    data = sharma_pairs()
    np.testing.assert_allclose(colour.ciede2000(data[:, 3:6], data[:, 0:3]), data[:, 6], atol=5e-5)
    assert colour.ciede2000([50, 10, 10], [50, 10, 10]) == 0


@pytest.mark.parametrize(("hex_value", "lab"), [
    ("#ffffff", (100.0, 0.0, 0.0)),
    ("#000000", (0.0, 0.0, 0.0)),
    ("#ff0000", (53.2408, 80.0925, 67.2032)),  # published sRGB primaries in CIELAB (D65)
    ("#00ff00", (87.7347, -86.1827, 83.1793)),
    ("#0000ff", (32.2970, 79.1875, -107.8602)),
    ("#808080", (53.5850, 0.0, 0.0)),
])
def test_srgb_to_lab_known_colours(hex_value, lab):
    np.testing.assert_allclose(colour.hex_to_lab(hex_value), lab, atol=2e-3)


def test_lab_round_trip_is_exact_in_8_bit():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(1000, 3))
    back = np.rint(colour.lab_to_srgb(colour.srgb_to_lab(rgb)))
    assert np.array_equal(back, rgb)


@pytest.mark.parametrize("bad", ["", "#12345", "zzzzzz", "#1234567", "red", None, 123])
def test_parse_hex_rejects_bad_strings_with_a_code(bad):
    with pytest.raises(InvalidInput) as exc:
        colour.parse_hex(bad)
    assert exc.value.code == "invalid_hex"


def test_parse_hex_accepts_short_and_unprefixed_forms():
    assert colour.to_hex(colour.parse_hex("ABC")) == "#aabbcc"
    assert colour.to_hex(colour.parse_hex("#A06F4A")) == "#a06f4a"


def test_ita_angle_and_categories():
    # ITA = atan((L - 50) / b): L=50 is 0 degrees whatever b*; L=70, b=20 is 45 degrees.
    assert colour.ita([50.0, 5.0, 20.0]) == pytest.approx(0.0)
    assert colour.ita([70.0, 5.0, 20.0]) == pytest.approx(45.0)
    assert colour.ita([30.0, 5.0, 20.0]) == pytest.approx(-45.0)
    assert [colour.ita_category(a) for a in (60, 45, 30, 20, 0, -45)] == [
        "very_light", "light", "intermediate", "tan", "brown", "dark"]


def test_monk_scale_orders_light_to_dark_and_matches_its_own_swatches():
    lightness = colour.MONK_LAB[:, 0]
    assert np.all(np.diff(lightness[4:]) < 0)  # 5..10 strictly darker
    for i, lab in enumerate(colour.MONK_LAB, start=1):
        tone, distance = colour.nearest_monk(lab)
        assert tone == i
        assert distance == pytest.approx(0.0, abs=1e-9)
