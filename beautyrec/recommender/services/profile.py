"""The face profile a recommendation is personalised with, read from the user's latest analysed photo."""

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from beautyrec.core import colour
from recognition.models import Face

# Skin-tone cohorts for cold-start popularity: Monk 1-3 light, 4-6 medium, 7-10 deep (x undertone).
DEPTH_BY_MONK = {**dict.fromkeys((1, 2, 3), "light"), **dict.fromkeys((4, 5, 6), "medium"),
                 **dict.fromkeys((7, 8, 9, 10), "deep")}
DEPTHS = ("light", "medium", "deep")
UNDERTONES = ("warm", "neutral", "cool")


@dataclass(frozen=True)
class FaceProfile:
    """What the recommender knows about a face: skin colour and the attributes derived from it."""

    face_id: int
    photo_id: str
    skin_lab: tuple[float, float, float]
    skin_hex: str
    ita: float
    monk: int
    undertone: str
    face_shape: str | None
    age_band: str | None
    lip_lab: tuple[float, float, float] | None
    lip_hex: str | None

    @property
    def depth(self) -> str:
        return DEPTH_BY_MONK[self.monk]

    @property
    def cohort(self) -> str:
        """'deep warm', 'light cool'...: the skin-tone cohort whose popularity serves cold start."""
        return f"{self.depth} {self.undertone}"

    @property
    def lab(self) -> np.ndarray:
        return np.array(self.skin_lab, dtype=np.float64)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "skin_lab": list(self.skin_lab),
                "lip_lab": list(self.lip_lab) if self.lip_lab else None, "depth": self.depth, "cohort": self.cohort}


def profile_from_attributes(attributes: dict[str, Any], *, face_id: int = 0, photo_id: str = "") -> FaceProfile | None:
    """Build a profile from a ``Face.attributes`` dict; None when the skin could not be measured."""
    skin = attributes.get("skin") or {}
    if not skin.get("lab"):
        return None
    lab = tuple(float(v) for v in skin["lab"])
    undertone = (attributes.get("undertone") or {}).get("label") or colour.undertone_from_lab(np.array(lab))
    monk = skin.get("monk") or colour.nearest_monk(np.array(lab))[0]
    lips = attributes.get("lips") or {}
    shape = attributes.get("face_shape") or {}
    age = attributes.get("age") or {}
    return FaceProfile(
        face_id=face_id, photo_id=photo_id, skin_lab=lab, skin_hex=skin.get("hex") or colour.lab_to_hex(np.array(lab)),
        ita=float(skin.get("ita", colour.ita(np.array(lab)))), monk=int(monk), undertone=undertone,
        face_shape=shape.get("label"), age_band=age.get("band"),
        lip_lab=tuple(float(v) for v in lips["lab"]) if lips.get("lab") else None, lip_hex=lips.get("hex"),
    )


def face_profile(*, user: Any) -> FaceProfile | None:
    """Profile from the user's most recently analysed face (the largest face of their latest analysed photo).

    Only photos the user owns count: analysing one's own selfie is the consent this relies on, and erasing
    biometrics deletes those faces, so the profile disappears with them (nothing is copied here).
    """
    if user is None or not user.is_authenticated:
        return None
    faces = (Face.objects.filter(photo__owner=user, photo__analyzed_at__isnull=False)
             .exclude(attributes={}).order_by("-photo__analyzed_at", "index").only("id", "photo_id", "attributes"))
    for face in faces[:5]:
        profile = profile_from_attributes(face.attributes, face_id=face.id, photo_id=str(face.photo_id))
        if profile is not None:
            return profile
    return None
