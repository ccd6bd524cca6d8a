"""Photos, the faces found in them, and the gallery of subjects used for 1:1 and 1:N recognition.

Biometric data lives in three places, all removed by ``erase_biometrics``: the photo files, the ``Face`` rows
(landmarks, and a float32 embedding for enrolled faces only) and the ``Subject`` templates. No embedding is
stored without a consent record: a subject is created only with the person's consent, a face's embedding is
stored when it is enrolled in such a subject, and withdrawing consent deletes the subject's template and the
embeddings of its enrolled faces (the subject stays as a name only). Analysis, verification and
identification compute the embeddings they need in memory.
"""

import uuid

import numpy as np
from django.conf import settings
from django.db import models
from django.utils import timezone

EMBEDDING_DIM = 128


def photo_upload_to(photo: "Photo", filename: str) -> str:
    # No client-supplied names on disk: the uuid is the name, the folder spreads files by month.
    return f"photos/{timezone.now():%Y/%m}/{photo.id}.jpg"


def embedding_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(EMBEDDING_DIM).tobytes()


def embedding_from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4").reshape(EMBEDDING_DIM).copy()


class Photo(models.Model):
    """An uploaded image, stored upright (EXIF orientation applied, metadata dropped) as JPEG."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_upload_to, max_length=200)
    width = models.PositiveIntegerField(help_text="Upright width in pixels.")
    height = models.PositiveIntegerField(help_text="Upright height in pixels.")
    source_format = models.CharField(max_length=16, help_text="Format of the upload (JPEG, PNG, HEIF...).")
    analyzed_at = models.DateTimeField(null=True, blank=True)
    detector = models.CharField(max_length=8, blank=True)
    face_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"photo {self.id} ({self.width}x{self.height})"


class Subject(models.Model):
    """A person in a gallery. ``owner`` is whose gallery it is; ``user`` optionally links the person's account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gallery_subjects")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="subject_records", help_text="The account of the person, if any.")
    name = models.CharField(max_length=200)
    consent = models.BooleanField(default=False, help_text="The person agreed to biometric enrollment.")
    consent_at = models.DateTimeField(null=True, blank=True)
    template = models.BinaryField(null=True, blank=True, editable=False,
                                  help_text="Unit mean of the enrolled faces' embeddings (float32 x 128).")
    template_model_version = models.ForeignKey("core.ModelVersion", on_delete=models.PROTECT, null=True,
                                               blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "created_at"]
        permissions = [("identify_gallery", "Can identify faces against every owner's gallery (kiosk)")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Face(models.Model):
    """One face found in a photo; ``index`` 0 is the largest. Coordinates are in the upright photo's pixels."""

    id = models.BigAutoField(primary_key=True)
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="faces")
    index = models.PositiveSmallIntegerField()
    box = models.JSONField(help_text="[left, top, right, bottom]")
    landmarks = models.JSONField(help_text="68 (or 5 with LANDMARK_POINTS=5) [x, y] points")
    landmarks5 = models.JSONField(help_text="5 [x, y] points: eye corners and nose base")
    detector = models.CharField(max_length=8)
    detection_score = models.FloatField()
    quality = models.FloatField(help_text="0-1: product of the size, sharpness and frontal-pose scores")
    quality_details = models.JSONField(default=dict)
    embedding = models.BinaryField(null=True, blank=True, editable=False,
                                   help_text="float32 x 128, unit length; stored for enrolled faces only")
    embedding_model_version = models.ForeignKey("core.ModelVersion", on_delete=models.PROTECT, null=True,
                                                blank=True, related_name="+")
    attributes = models.JSONField(default=dict, blank=True)
    attributes_model_version = models.ForeignKey("core.ModelVersion", on_delete=models.PROTECT, null=True,
                                                 blank=True, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="faces", help_text="Set when this face is enrolled in a gallery.")
    enrolled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["photo", "index"]
        constraints = [models.UniqueConstraint(fields=["photo", "index"], name="face_unique_index_per_photo")]

    def __str__(self) -> str:
        return f"face {self.index} of {self.photo_id}"

    @property
    def vector(self) -> np.ndarray | None:
        return None if self.embedding is None else embedding_from_bytes(self.embedding)


class GalleryChange(models.Model):
    """Append-only log of subjects whose gallery entry changed: workers replay it to refresh their index."""

    seq = models.BigAutoField(primary_key=True)
    subject_id = models.UUIDField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"change {self.seq}: {self.subject_id}"
