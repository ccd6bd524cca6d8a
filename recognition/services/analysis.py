"""Analyse a stored photo: every face, its landmarks, chip, quality and attributes; pick one face.

Faces are stored largest first, so index 0 is the face that single-face operations use by default. The
analysis is stored once per photo: a redelivered job, or a later enroll/verify/identify of the same photo,
reuses it instead of running the detector again.

Embeddings are not stored by analysis: a face embedding is kept only once a gallery subject's consent
record covers it (enrollment). Verify and identify use the embedding in memory: the one computed by the
analysis of the same job, or one computed again from the stored photo and landmarks.
"""

from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from beautyrec.core.errors import UnprocessableInput
from recognition.ml.quality import face_quality
from recognition.models import Face, Photo, embedding_from_bytes
from recognition.services.attributes import compute_attributes
from recognition.services.detection import FoundFace, detector_name, find_faces, landmark_points
from recognition.services.embedding import describe_faces, embed_images, embedding_model_version
from recognition.services.photos import load_pixels, photo_scale

SMALL_IMAGE_SIDE = 500
# Instance attribute holding an embedding computed in this process and never saved.
_IN_MEMORY = "_embedding_in_memory"


def _points(points: np.ndarray, scale: float) -> list[list[float]]:
    return [[round(float(x) / scale, 2), round(float(y) / scale, 2)] for x, y in points]


def detect_faces(pixels: np.ndarray) -> list[FoundFace]:
    """Faces at native scale, upsampled once first for small images or when none were found; where HOG (the
    CPU default) still finds none, the MMOD CNN, which also finds turned, tilted and partly hidden faces.

    HOG finds faces down to about 80 px at native scale and 40 px upsampled once, at about five times the
    cost (40 vs 200 ms for a 640 px selfie here), so the upsampled pass runs only where it can matter; the
    CNN costs more again on CPU, so it runs only for the photos HOG gave up on.
    """
    upsample = 1 if max(pixels.shape[:2]) < SMALL_IMAGE_SIDE else 0
    found = find_faces(pixels, upsample=upsample)
    if not found and upsample == 0:
        found = find_faces(pixels, upsample=1)
    if not found and detector_name() == "hog":
        found = find_faces(pixels, upsample=upsample, detector="mmod")
    return found


def analyze_photo(*, photo: Photo) -> list[Face]:
    """The photo's faces, largest first; computed and stored on first call, reused afterwards."""
    if photo.analyzed_at is not None:
        return list(photo.faces.order_by("index"))
    decoded = load_pixels(photo)
    scale = photo_scale(photo, decoded)
    found = sorted(detect_faces(decoded.pixels), key=lambda f: f.area, reverse=True)
    views = describe_faces(decoded.pixels, found)
    measured = compute_attributes(decoded.pixels, found, features=views.features) if found else None
    faces = []
    for index, (face, chip) in enumerate(zip(found, views.chips, strict=True)):
        quality, details = face_quality(chip, face.width, face.landmarks5)
        landmarks = face.landmarks68 if face.landmarks68 is not None else face.landmarks5
        faces.append(Face(
            photo=photo, index=index, box=[round(float(v) / scale, 2) for v in face.box],
            landmarks=_points(landmarks, scale), landmarks5=_points(face.landmarks5, scale),
            detector=face.detector, detection_score=round(face.score, 4), quality=quality,
            quality_details={**details, "width_px": round(face.width, 1)},
            attributes=measured.attributes[index] if measured else {},
            attributes_model_version=measured.model_version if measured else None,
        ))
    with transaction.atomic():
        locked = Photo.objects.select_for_update().get(pk=photo.pk)
        if locked.analyzed_at is not None:  # a concurrent delivery of the same job got there first
            return list(locked.faces.order_by("index"))
        Face.objects.filter(photo=photo).delete()
        Face.objects.bulk_create(faces)
        photo.analyzed_at = timezone.now()
        photo.detector = found[0].detector if found else ""
        photo.face_count = len(faces)
        photo.save(update_fields=["analyzed_at", "detector", "face_count"])
    stored = list(photo.faces.order_by("index"))
    for face, vector in zip(stored, views.embeddings, strict=True):
        setattr(face, _IN_MEMORY, vector)
    return stored


def face_embedding(face: Face) -> np.ndarray:
    """The face's unit-length embedding (128,): the stored one of an enrolled face, else one held in memory
    only, from this process's analysis or computed again from the stored photo and landmarks."""
    if face.embedding is not None and face.embedding_model_version_id == embedding_model_version().pk:
        return embedding_from_bytes(face.embedding)
    vector = getattr(face, _IN_MEMORY, None)
    if vector is None:
        decoded = load_pixels(face.photo)
        landmarks5 = np.asarray(face.landmarks5, dtype=np.float64) * photo_scale(face.photo, decoded)
        vector = embed_images([(decoded.pixels, [landmarks5])])[0][0]
        setattr(face, _IN_MEMORY, vector)
    return vector


def processed_width(face: Face) -> float:
    """Face width in the pixels the detector saw (what the too-small rule is about)."""
    return float(face.quality_details.get("width_px", face.box[2] - face.box[0]))


def require_faces(faces: list[Face]) -> None:
    if not faces:
        raise UnprocessableInput("No face was found in the image.", code="no_face")


def _too_small(face: Face) -> UnprocessableInput:
    return UnprocessableInput(
        f"The face is {processed_width(face):.0f} px wide; at least {settings.RECOGNITION_MIN_FACE_PX} px "
        "are needed. Send a closer or larger photo.", code="face_too_small",
        details={"face_index": face.index, "width_px": round(processed_width(face), 1),
                 "min_px": settings.RECOGNITION_MIN_FACE_PX},
    )


def _too_blurry(face: Face) -> UnprocessableInput:
    sharpness = face.quality_details.get("sharpness", 1.0)
    return UnprocessableInput(
        f"The face is too blurred to recognise (sharpness {sharpness:.2f}, at least "
        f"{settings.RECOGNITION_MIN_SHARPNESS} needed). Send a sharper photo.", code="face_too_blurry",
        details={"face_index": face.index, "sharpness": sharpness, "min_sharpness": settings.RECOGNITION_MIN_SHARPNESS},
    )


def unusable_reason(face: Face) -> UnprocessableInput | None:
    """Why a face cannot be used for recognition or attributes (too small, too blurred), or None."""
    if processed_width(face) < settings.RECOGNITION_MIN_FACE_PX:
        return _too_small(face)
    if face.quality_details.get("sharpness", 1.0) < settings.RECOGNITION_MIN_SHARPNESS:
        return _too_blurry(face)
    return None


def select_face(faces: list[Face], face_index: int | None) -> Face:
    """The face a single-face operation uses: ``face_index`` if given, else the largest (index 0)."""
    require_faces(faces)
    index = 0 if face_index is None else face_index
    if index >= len(faces):
        raise UnprocessableInput(f"face_index {index} is out of range: {len(faces)} face(s) were found.",
                                 code="face_index_out_of_range", details={"faces": len(faces)})
    face = faces[index]
    if (reason := unusable_reason(face)) is not None:
        raise reason
    return face


def require_usable_face(faces: list[Face]) -> None:
    """For analysis: some face must be large and sharp enough to be worth reporting."""
    require_faces(faces)
    reasons = [unusable_reason(f) for f in faces]
    if all(reasons):
        raise reasons[0]


def face_payload(face: Face) -> dict[str, Any]:
    left, top, right, bottom = face.box
    return {
        "index": face.index,
        "id": face.pk,
        "box": {"left": left, "top": top, "right": right, "bottom": bottom},
        "landmarks": face.landmarks,
        "landmark_points": len(face.landmarks),
        "landmarks5": face.landmarks5,
        "detector": face.detector,
        "detection_score": face.detection_score,
        "quality": face.quality,
        "quality_details": face.quality_details,
        "attributes": face.attributes,
    }


def analysis_payload(photo: Photo, faces: list[Face]) -> dict[str, Any]:
    model_version = embedding_model_version() if faces else None
    return {
        "photo_id": str(photo.pk),
        "width": photo.width,
        "height": photo.height,
        "landmark_points": landmark_points(),
        "embedding_model": f"{model_version.kind}:{model_version.version}" if model_version else None,
        "faces": [face_payload(f) for f in faces],
    }
