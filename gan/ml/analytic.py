"""``method=analytic``: measure a reference face's makeup by region and drive the exact renderer with it.

Lips are measured as the colour itself (a lipstick is what colours them). Eyelids and cheeks are measured
relative to the reference's own skin, because their colour is the reference's skin plus the product: the
source gets its own skin plus the same difference, so a brown lid on dark skin does not turn into a brown lid
painted on light skin. Regions whose colour hardly differs from the skin carry no product and are skipped.
"""

from typing import Final

import numpy as np

from beautyrec.core import colour
from gan.ml import renderer

MIN_PRODUCT_DE: Final = 4.0  # below this CIEDE2000 from the skin, a region counts as bare
LOOK_REGIONS: Final = ("lips", "eyelids", "cheeks", "skin")


def analytic_look(reference: np.ndarray, reference_landmarks: np.ndarray, source: np.ndarray,
                  source_landmarks: np.ndarray) -> list[renderer.MakeupItem]:
    """The renderer items that put the reference's measured makeup on the source face."""
    ref = renderer.region_colours(reference, reference_landmarks, LOOK_REGIONS)
    src = renderer.region_colours(source, source_landmarks, ("skin",))
    items = []
    if "lips" in ref:
        items.append(renderer.MakeupItem("lipstick", ref["lips"].astype(np.float32), finish="satin"))
    if "skin" in ref and "skin" in src:
        for region, category, intensity in (("eyelids", "eyeshadow", 1.0), ("cheeks", "blush", 1.0)):
            if region not in ref:
                continue
            difference = ref[region] - ref["skin"]
            if float(colour.ciede2000(ref[region], ref["skin"])) < MIN_PRODUCT_DE:
                continue
            shade = src["skin"] + difference
            shade[0] = float(np.clip(shade[0], 5.0, 95.0))
            # The renderer blends eyeshadow at 0.85 and blush at 0.45 opacity: scale the move so the region
            # lands on the measured colour.
            opacity = renderer.CATEGORIES[category].opacity * renderer.FINISHES["satin"].opacity
            shade = src["skin"] + (shade - src["skin"]) / opacity
            items.append(renderer.MakeupItem(category, shade.astype(np.float32), finish="satin",
                                             intensity=intensity))
    return items
