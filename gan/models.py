"""Previews: a user's photo rendered with products or a reference look, kept for a limited time.

Preview images are derived from a face, so they are biometric data: they are served only to their owner
through the API, deleted with the photo they came from, by ``erase_biometrics`` and when they expire
(``PREVIEW_RETENTION_HOURS``). Files are removed after the deleting transaction commits.
"""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver


def preview_image_upload_to(image: "PreviewImage", filename: str) -> str:
    return f"previews/{image.preview.created_at:%Y/%m}/{image.preview_id}-{image.index}.jpg"


class Preview(models.Model):
    class Method(models.TextChoices):
        RENDERER = "renderer"  # products or explicit shades through the exact renderer
        GAN = "gan"
        ANALYTIC = "analytic"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="previews")
    photo = models.ForeignKey("recognition.Photo", on_delete=models.CASCADE, related_name="previews")
    face_index = models.PositiveSmallIntegerField(default=0)
    method = models.CharField(max_length=16, choices=Method.choices)
    reference_photo = models.ForeignKey("recognition.Photo", on_delete=models.CASCADE, null=True, blank=True,
                                        related_name="reference_previews")
    items = models.JSONField(default=list, blank=True, help_text="The items as rendered (shade, finish...).")
    combine = models.BooleanField(default=False)
    model_version = models.CharField(max_length=100, blank=True)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"preview {self.id} ({self.method})"


class PreviewImage(models.Model):
    preview = models.ForeignKey(Preview, on_delete=models.CASCADE, related_name="images")
    index = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=preview_image_upload_to, max_length=200)
    item = models.JSONField(null=True, blank=True, help_text="The item of this image; null for a combined look.")
    product = models.ForeignKey("recommender.Product", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    region_colours = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["preview", "index"]
        constraints = [models.UniqueConstraint(fields=["preview", "index"], name="preview_image_unique_index")]

    def __str__(self) -> str:
        return f"{self.preview_id}/{self.index}"


@receiver(post_delete, sender=PreviewImage)
def _delete_image_file(sender: type, instance: PreviewImage, **kwargs: object) -> None:
    """Every way a preview goes (own delete, photo delete cascade, erasure, expiry) removes its files."""
    file = instance.file
    if file:
        transaction.on_commit(lambda: file.storage.delete(file.name))
