"""Recommender test helpers: the real demo catalogue subset, and users whose profile comes from a real selfie."""

import pytest

from beautyrec.recommender.models import Product
from beautyrec.recommender.services.catalog import import_catalog, rows_to_csv
from beautyrec.recommender.services.demo_catalog import demo_rows
from recognition.models import Face
from recognition.services.analysis import analyze_photo
from recognition.services.photos import store_photo
from tests.conftest import FIXTURES

SUBSET = FIXTURES / "shared_subset"
SERENA = FIXTURES / "faces" / "Serena_Williams_0001.jpg"
BLAIR = FIXTURES / "faces" / "Tony_Blair_0006.jpg"


@pytest.fixture
def catalogue(db) -> list[Product]:
    """The 39 real shades of tests/fixtures/shared_subset (30 foundations, 9 lip colours)."""
    import_catalog(content=rows_to_csv(demo_rows(SUBSET)), filename="subset.csv")
    return list(Product.objects.order_by("id"))


def analyse_selfie(user, path) -> Face:
    """Run the real recognition pipeline on a fixture photo owned by ``user``; returns its largest face."""
    photo = store_photo(owner=user, upload=path.read_bytes())
    return analyze_photo(photo=photo)[0]
