"""The evaluation commands on real MT images: the issue's JSON keys and values that meet the targets."""

import json

import pytest
from django.core.management import call_command

from tests.conftest import FIXTURES

MAKEUP = FIXTURES / "makeup"
TRYON_KEYS = {"lip_de2000_mean", "lip_de2000_p95", "outside_mask_max_abs_diff", "identity_distance_mean",
              "lip_mask_iou", "ms_per_render", "faces"}


@pytest.mark.django_db
def test_eval_tryon_writes_the_issue_keys(tmp_path):
    out = tmp_path / "tryon.json"
    call_command("eval_tryon", images=MAKEUP / "images", segs=MAKEUP / "segs", json=out)
    figures = json.loads(out.read_text())
    assert set(figures) == TRYON_KEYS
    assert figures["faces"] == 2
    assert figures["lip_de2000_mean"] <= 3.0
    assert figures["lip_de2000_p95"] >= figures["lip_de2000_mean"]
    assert figures["outside_mask_max_abs_diff"] <= 1
    assert figures["lip_mask_iou"] >= 0.7
    assert 0.0 < figures["identity_distance_mean"] <= 0.25
    assert figures["ms_per_render"] > 0


@pytest.mark.django_db
def test_eval_makeup_transfer_writes_both_methods(tmp_path, capsys):
    out = tmp_path / "transfer.json"
    call_command("eval_makeup_transfer", faces=MAKEUP / "images", references=MAKEUP / "images",
                 faces_pattern="*non-makeup*", references_pattern="*_makeup_*", json=out)
    figures = json.loads(out.read_text())
    assert set(figures) == {"gan", "analytic"}
    for method in figures.values():
        assert set(method) == {"lip_de2000_to_reference", "eye_de2000_to_reference", "cheek_de2000_to_reference",
                               "identity_distance", "ms_per_image"}
    baseline = json.loads(capsys.readouterr().err.split("untouched baseline: ")[1].splitlines()[0])
    # Both methods put the reference's lip colour on the face, far closer than the bare lips were.
    assert figures["analytic"]["lip_de2000_to_reference"] < 3.0
    assert figures["gan"]["lip_de2000_to_reference"] < baseline["lip_de2000_to_reference"] / 2
    assert figures["gan"]["identity_distance"] <= 0.35
    assert figures["analytic"]["identity_distance"] <= 0.35
