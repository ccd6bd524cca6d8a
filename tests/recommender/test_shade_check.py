"""Real UTKFace faces through the attribute pipeline: the top foundation is the best of its brand's range."""

import pytest

from beautyrec.recommender.services.shade_check import check_top_foundation
from tests.conftest import FIXTURES
from tests.recommender.conftest import analyse_selfie

pytestmark = pytest.mark.django_db
FACES = ["25_0_1_20170103180757928.jpg.chip.jpg", "35_1_0_20170103182746666.jpg.chip.jpg",
         "18_0_3_20170104230409040.jpg.chip.jpg"]


@pytest.mark.parametrize("name", FACES)
def test_top_foundation_is_the_closest_shade_of_its_brand(django_user_model, catalogue, name):
    user = django_user_model.objects.create_user(username=name[:20])
    face = analyse_selfie(user, FIXTURES / "utkface" / name)
    check = check_top_foundation(user=user, skin_lab=face.attributes["skin"]["lab"])
    assert check.is_best_in_brand, check
    assert check.top_delta_e == pytest.approx(check.brand_best_delta_e)
    assert check.catalogue_best_delta_e <= check.top_delta_e
