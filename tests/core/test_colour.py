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


def lab_at(lightness: float, hue: float, chroma: float = 25.0) -> np.ndarray:
    return np.array([lightness, chroma * np.cos(np.radians(hue)), chroma * np.sin(np.radians(hue))])


def neutral_hue(lightness: float) -> float:
    return colour.UNDERTONE_HUE_AT_L0 + colour.UNDERTONE_HUE_PER_L * lightness


@pytest.mark.parametrize("lightness", [35.0, 65.0, 85.0])
def test_undertone_thresholds_on_the_neutral_line(lightness):
    h0 = neutral_hue(lightness)
    assert colour.undertone_from_lab(lab_at(lightness, h0)) == "neutral"
    assert colour.undertone_from_lab(lab_at(lightness, h0 + colour.UNDERTONE_WARM_ABOVE - 0.1)) == "neutral"
    assert colour.undertone_from_lab(lab_at(lightness, h0 + colour.UNDERTONE_WARM_ABOVE + 0.1)) == "warm"
    assert colour.undertone_from_lab(lab_at(lightness, h0 + colour.UNDERTONE_COOL_BELOW + 0.1)) == "neutral"
    assert colour.undertone_from_lab(lab_at(lightness, h0 + colour.UNDERTONE_COOL_BELOW - 0.1)) == "cool"
    assert colour.undertone_hue_offset(lab_at(lightness, h0 + 3.0)) == pytest.approx(3.0)


def test_undertone_thresholds_as_documented_b_over_a_at_l65():
    # At L* = 65 the neutral band is b*/a* 1.52-1.94 (hue 56.75-62.75 degrees).
    assert colour.undertone_from_lab([65.0, 10.0, 14.0]) == "cool"  # b/a 1.40
    assert colour.undertone_from_lab([65.0, 10.0, 17.0]) == "neutral"  # b/a 1.70
    assert colour.undertone_from_lab([65.0, 10.0, 21.0]) == "warm"  # b/a 2.10


def test_undertone_edge_hues():
    assert colour.undertone_from_lab([60.0, 20.0, -3.0]) == "cool"  # pink-purple, hue just below 360
    assert colour.undertone_from_lab([60.0, -2.0, 25.0]) == "warm"  # yellow-olive, hue above 90
    assert colour.undertone_from_lab([60.0, 1.0, 2.0]) == "neutral"  # near grey: hue is noise


@pytest.mark.parametrize(("hex_value", "described"), [
    ("#EFCDA8", "warm"),  # retailer: "warm" (fixture rows of the real foundation shades)
    ("#9B7A5D", "warm"),
    ("#E9C3B1", "cool"),
    ("#E2AC95", "cool"),
])
def test_undertone_of_real_shades_whose_description_is_clear(hex_value, described):
    assert colour.undertone_from_lab(colour.hex_to_lab(hex_value)) == described
