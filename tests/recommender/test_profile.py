"""The face profile comes from the user's own latest analysed selfie (real recognition pipeline)."""

import pytest

from beautyrec.core import colour
from beautyrec.recommender.services.profile import face_profile, profile_from_attributes
from tests.recommender.conftest import BLAIR, SERENA, analyse_selfie

pytestmark = pytest.mark.django_db


def test_profile_from_latest_own_selfie(user, other_user):
    assert face_profile(user=user) is None
    analyse_selfie(other_user, BLAIR)
    assert face_profile(user=user) is None  # someone else's photo never profiles you
    face = analyse_selfie(user, SERENA)
    profile = face_profile(user=user)
    skin = face.attributes["skin"]
    assert profile.face_id == face.id
    assert list(profile.skin_lab) == skin["lab"] and profile.monk == skin["monk"] and profile.ita == skin["ita"]
    assert profile.undertone == face.attributes["undertone"]["label"]
    assert profile.face_shape == face.attributes["face_shape"]["label"]
    assert profile.age_band == face.attributes["age"]["band"]
    assert list(profile.lip_lab) == face.attributes["lips"]["lab"]
    assert profile.cohort == f"{profile.depth} {profile.undertone}"
    # Serena Williams' skin is measured darker than Tony Blair's: deeper Monk tone, lower ITA.
    blair = analyse_selfie(user, BLAIR)
    newer = face_profile(user=user)
    assert newer.face_id == blair.id
    assert newer.ita > profile.ita and newer.monk < profile.monk


def test_profile_without_measured_skin_is_none():
    assert profile_from_attributes({"skin": {"available": False, "reason": "no_skin_pixels"}}) is None
    lab = [60.0, 12.0, 18.0]
    profile = profile_from_attributes({"skin": {"lab": lab}})
    assert profile.monk == colour.nearest_monk(lab)[0]
    assert profile.undertone == colour.undertone_from_lab(lab)
    assert profile.lip_lab is None and profile.face_shape is None
