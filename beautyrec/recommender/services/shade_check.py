"""Check of the cold-start promise: the top foundation for a measured skin is its brand's closest shade."""

from dataclasses import dataclass
from typing import Any

import numpy as np

from beautyrec.core import colour
from beautyrec.recommender.models import Category, Product
from beautyrec.recommender.services.recommend import recommend


@dataclass(frozen=True)
class ShadeCheck:
    top_delta_e: float  # dE2000 between the measured skin and the top recommended foundation
    brand_best_delta_e: float  # the closest shade of that brand's whole foundation range
    catalogue_best_delta_e: float  # the closest foundation of any brand
    is_best_in_brand: bool
    brand: str


def check_top_foundation(*, user: Any, skin_lab: list[float]) -> ShadeCheck | None:
    """Recommend one foundation to ``user`` and measure it against every active foundation (exact dE2000)."""
    result = recommend(user=user, k=1, category=Category.FOUNDATION)
    if not result.results:
        return None
    top = result.results[0].product
    shades = list(Product.objects.filter(category=Category.FOUNDATION, is_active=True, shade_l__isnull=False)
                  .values_list("brand", "shade_l", "shade_a", "shade_b"))
    brands = np.array([s[0] for s in shades], dtype=object)
    de = colour.ciede2000(np.asarray(skin_lab, dtype=np.float64)[None, :], np.array([s[1:] for s in shades]))
    top_de = float(colour.ciede2000(np.asarray(skin_lab)[None, :], np.array([[top.shade_l, top.shade_a,
                                                                              top.shade_b]]))[0])
    brand_best = float(de[brands == top.brand].min())
    return ShadeCheck(top_delta_e=top_de, brand_best_delta_e=brand_best, catalogue_best_delta_e=float(de.min()),
                      is_best_in_brand=top_de <= brand_best + 1e-9, brand=top.brand)
