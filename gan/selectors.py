"""Queries of the gan app: a user sees only their own unexpired previews; anything else is not found."""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from beautyrec.core.errors import NotFound
from gan.models import Preview, PreviewImage


def visible_previews(user: AbstractBaseUser) -> QuerySet[Preview]:
    return (Preview.objects.filter(owner=user, expires_at__gt=timezone.now())
            .prefetch_related("images").order_by("-created_at"))


def get_preview(*, user: AbstractBaseUser, preview_id: object) -> Preview:
    try:
        pk = uuid.UUID(str(preview_id))
    except ValueError:
        pk = None
    preview = visible_previews(user).filter(pk=pk).first() if pk else None
    if preview is None:
        raise NotFound("No such preview.", code="preview_not_found")
    return preview


def get_preview_image(*, user: AbstractBaseUser, preview_id: object, index: int) -> PreviewImage:
    image = get_preview(user=user, preview_id=preview_id).images.filter(index=index).first()
    if image is None:
        raise NotFound("No such preview image.", code="preview_image_not_found")
    return image
