"""The attributes service end to end on real photos with the shipped heads and real networks."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from django.core.management import call_command
from PIL import Image

from beautyrec.core.errors import InvalidInput
from beautyrec.core.images import decode_image
from beautyrec.core.models import ModelVersion
from beautyrec.core.registry import resolve_uri
from recognition.ml.attributes import heads
from recognition.ml.attributes.utkface import scan
from recognition.ml.embedder import FEATURE_DIM
from recognition.services import attributes
from recognition.services.attribute_datasets import describe_records
from recognition.services.detection import find_faces
from recognition.services.embedding import describe_faces
from tests.conftest import FIXTURES

UTKFACE = FIXTURES / "utkface"  # 20 validation-split UTKFace crops (not trained on), 16 adults


@pytest.fixture(scope="module")
def utk_cache(tmp_path_factory) -> Path:
    """Descriptors of the UTKFace fixtures, computed once for the module (the eval test reuses the cache)."""
    cache = tmp_path_factory.mktemp("utk") / "descriptors.npz"
    describe_records(scan(UTKFACE), cache=cache, workers=1)
    return cache


def photo(name: str) -> tuple[np.ndarray, list]:
    pixels = np.asarray(Image.open(FIXTURES / name).convert("RGB"))
    return pixels, find_faces(pixels)


def features_of(pixels: np.ndarray, faces: list) -> np.ndarray:
    """The network features that analysis passes to ``compute_attributes``."""
    return describe_faces(pixels, faces).features


@pytest.mark.django_db
def test_compute_attributes_on_a_portrait_records_the_model_version():
    pixels, faces = photo("obama.jpg")
    result = attributes.compute_attributes(pixels, faces, features=features_of(pixels, faces))
    mv = ModelVersion.objects.get(kind="attribute_heads", is_active=True)
    assert result.model_version == mv and mv.version == attributes.SHIPPED_VERSION and len(mv.sha256) == 64
    (face,) = result.attributes
    assert face["model_version"] == "attribute_heads:utkface-mlp-v2"
    assert 38 <= face["age"]["years"] <= 65  # Obama was 51 in this portrait
    assert face["age"]["band"] in ("35-44", "45-54", "55-64")
    assert face["gender"]["label"] == "male" and face["gender"]["probability"] > 0.95
    assert {"skin", "undertone", "face_shape", "lips", "eyes", "white_balance"} <= face.keys()
    assert face["face_shape"]["label"] in ("oval", "round", "square", "heart", "oblong", "diamond")
    json.dumps(face)  # storable as a JSON field as it is


@pytest.mark.django_db
def test_known_age_faces_within_tolerance(utk_cache):
    records = scan(UTKFACE)
    described = describe_records(records, cache=utk_cache)
    assert described.found.all()
    predicted, _ = attributes.predict_age_gender(described.features, aux=described.aux)
    ages = np.array([r.age for r in records])
    estimates = np.array([p["age"]["years"] for p in predicted])
    errors = np.abs(estimates - ages)
    assert errors.mean() == pytest.approx(4.79, abs=0.05)  # validation MAE of the shipped heads: 4.67
    assert np.mean(errors <= np.maximum(6.0, 0.3 * ages)) == 0.95
    adults = ages >= 18
    correct = np.array([p["gender"]["label"] == r.gender for p, r in zip(predicted, records, strict=True)])
    assert correct[adults].sum() == 15 and adults.sum() == 16  # the one miss: a woman of 100
    assert not correct[[r.path.name.startswith("100_1_") for r in records]].any()


def test_shipped_heads_file_records_how_it_was_made():
    model, metadata = heads.load(resolve_uri(attributes.SHIPPED_URI), torch.device("cpu"))
    assert metadata["version"] == attributes.SHIPPED_VERSION
    assert model.config == {"in_dim": 386, "hidden": 256, "members": 5, "dropout": 0.2, "linear_weight": 0.7}
    assert metadata["validation"] == {"age_mae": 4.6731, "gender_accuracy": 0.8863, "gender_accuracy_adults": 0.9799,
                                      "worst_group_gender_accuracy_adults": 0.967, "worst_group_age_mae": 6.3278,
                                      "faces": 950}
    assert resolve_uri(attributes.SHIPPED_URI).stat().st_size < 4e6


@pytest.mark.django_db
def test_serving_gives_what_the_training_description_gives(utk_cache):
    """compute_attributes (analysis's path) and describe_records (what the heads were trained and evaluated on)
    feed the heads the same features, so the answers agree to the rounding of the output."""
    records = scan(UTKFACE)[:4]
    described = describe_records(records, cache=utk_cache)
    offline, _ = attributes.predict_age_gender(described.features, aux=described.aux)
    for record, expected in zip(records, offline, strict=True):
        pixels = decode_image(record.path.read_bytes()).pixels
        face = max(find_faces(pixels), key=lambda f: f.area)
        (served,) = attributes.compute_attributes(pixels, [face], features=features_of(pixels, [face])).attributes
        assert served["age"]["years"] == pytest.approx(expected["age"]["years"], abs=0.11)
        assert served["gender"]["p_female"] == pytest.approx(expected["gender"]["p_female"], abs=2e-4)


@pytest.mark.django_db
def test_five_point_mode_keeps_age_and_skin_and_says_what_it_lacks(settings):
    settings.LANDMARK_POINTS = 5
    pixels, faces = photo("biden.jpg")
    (face,) = attributes.compute_attributes(pixels, faces, features=features_of(pixels, faces)).attributes
    assert face["landmark_points"] == 5
    assert face["face_shape"] == {"available": False, "reason": "needs_68_landmarks"}
    assert face["lips"]["available"] is False
    assert face["skin"]["confidence"] > 0.5 and "lab" in face["skin"]
    assert face["age"]["years"] > 45 and face["gender"]["label"] == "male"  # Biden was about 70


@pytest.mark.django_db
def test_bad_features_are_a_400_and_no_faces_is_empty():
    pixels, faces = photo("biden.jpg")
    with pytest.raises(InvalidInput) as exc:
        attributes.compute_attributes(pixels, faces, features=np.zeros((1, 2, 128)))
    assert exc.value.code == "invalid_features"
    with pytest.raises(InvalidInput):
        attributes.compute_attributes(pixels, faces, features=np.zeros((2, 2, FEATURE_DIM)))
    with pytest.raises(InvalidInput):
        attributes.compute_attributes(pixels, faces, features=np.full((1, 2, FEATURE_DIM), np.nan))
    empty = attributes.compute_attributes(pixels, [], features=np.zeros((0, 2, FEATURE_DIM)))
    assert empty.attributes == []


@pytest.mark.django_db
def test_eval_attributes_command_writes_the_issue_keys(tmp_path, utk_cache, capsys):
    out = tmp_path / "eval.json"
    call_command("eval_attributes", "--utkface", str(UTKFACE), "--json", str(out), "--cache", str(utk_cache),
                 "--workers", "1", "--record")
    figures = json.loads(out.read_text())
    recorded = ModelVersion.objects.get(kind="attribute_heads", is_active=True).metrics["utkface:all"]
    assert {k: v for k, v in recorded.items() if k != "evaluated_at"} == figures
    assert set(figures) == {"age_mae", "gender_accuracy", "gender_accuracy_adults", "faces", "no_face", "by_group",
                            "worst_group_gender_accuracy_adults", "worst_group_age_mae"}
    assert figures["faces"] + figures["no_face"] == 20 and figures["no_face"] == 0
    assert figures["age_mae"] < 6.5
    assert {"race=White", "gender=female", "gender=male", "age_band=65+"} <= figures["by_group"].keys()
    assert figures["worst_group_age_mae"] == max(v["age_mae"] for k, v in figures["by_group"].items()
                                                 if k.startswith("race="))
    assert '"age_mae"' in capsys.readouterr().out
