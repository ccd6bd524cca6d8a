from pathlib import Path

import numpy as np
import pytest

from recognition.ml.attributes import metrics, utkface
from recognition.ml.attributes.heads import age_band


def test_utkface_names_parse_and_bad_names_are_skipped():
    record = utkface.parse_name(Path("26_1_2_20170116174525125.jpg.chip.jpg"))
    assert (record.age, record.gender, record.race) == (26, "female", "Asian")
    assert utkface.parse_name(Path("39_1_20170116174525125.jpg.chip.jpg")) is None  # race missing
    assert utkface.parse_name(Path("x_0_0_1.jpg")) is None
    assert utkface.parse_name(Path("30_2_0_1.jpg")) is None


def test_validation_split_is_a_stable_fifth():
    names = [f"{i % 90}_{i % 2}_{i % 5}_2017{i:010d}.jpg.chip.jpg" for i in range(5000)]
    share = np.mean([utkface.is_validation(n) for n in names])
    assert 0.18 < share < 0.22
    assert utkface.is_validation(names[0]) == utkface.is_validation(str(names[0]))


@pytest.mark.parametrize(("age", "band"), [(0, "0-2"), (2.9, "0-2"), (3, "3-9"), (17.5, "10-17"), (18, "18-24"),
                                            (34, "25-34"), (64.9, "55-64"), (65, "65+"), (116, "65+")])
def test_age_bands(age, band):
    assert age_band(age) == band


def test_evaluate_figures_and_keys():
    age_true = np.array([5, 30, 40, 70, 25])
    age_pred = np.array([7, 28, 45, 60, 25])
    female = np.array([True, False, True, False, True])
    p_female = np.array([0.2, 0.1, 0.9, 0.6, 0.7])  # wrong on the child and on the 70-year-old
    race = np.array(["White", "White", "Black", "Black", "Asian"])
    out = metrics.evaluate(age_true=age_true, age_pred=age_pred, female=female, p_female=p_female, race=race,
                           no_face=3)
    assert set(out) == {"age_mae", "gender_accuracy", "gender_accuracy_adults", "faces", "no_face", "by_group",
                        "worst_group_gender_accuracy_adults", "worst_group_age_mae"}
    assert out["age_mae"] == pytest.approx((2 + 2 + 5 + 10 + 0) / 5)
    assert out["gender_accuracy"] == pytest.approx(3 / 5)
    assert out["gender_accuracy_adults"] == pytest.approx(3 / 4)
    assert (out["faces"], out["no_face"]) == (5, 3)
    assert out["by_group"]["race=Black"]["gender_accuracy_adults"] == pytest.approx(0.5)
    assert out["by_group"]["race=White"]["age_mae"] == pytest.approx(2.0)
    assert out["by_group"]["gender=female"]["faces"] == 3
    assert out["by_group"]["age_band=3-9"]["gender_accuracy"] == 0.0
    assert out["worst_group_gender_accuracy_adults"] == pytest.approx(0.5)  # Black
    assert out["worst_group_age_mae"] == pytest.approx(7.5)  # Black: (5 + 10) / 2
