"""Queries of the recognition app. Other users' objects are reported as not found, never as forbidden."""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from beautyrec.core.errors import NotFound
from recognition.models import Photo, Subject


def _parse_uuid(value: object) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def visible_photos(user: AbstractBaseUser) -> QuerySet[Photo]:
    photos = Photo.objects.all()
    return photos if user.is_staff else photos.filter(owner=user)


def get_photo(*, user: AbstractBaseUser, photo_id: object) -> Photo:
    pk = _parse_uuid(photo_id)
    photo = visible_photos(user).filter(pk=pk).first() if pk else None
    if photo is None:
        raise NotFound("No such photo.", code="photo_not_found")
    return photo


def visible_subjects(user: AbstractBaseUser) -> QuerySet[Subject]:
    subjects = (Subject.objects.annotate(enrolled_faces=Count("faces")).select_related("owner", "user")
                .order_by("name", "created_at"))  # Meta.ordering is dropped in GROUP BY queries
    return subjects if user.is_staff else subjects.filter(owner=user)


def get_subject(*, user: AbstractBaseUser, subject_id: object) -> Subject:
    pk = _parse_uuid(subject_id)
    subject = visible_subjects(user).filter(pk=pk).first() if pk else None
    if subject is None:
        raise NotFound("No such subject.", code="subject_not_found")
    return subject


def can_identify_whole_gallery(user: AbstractBaseUser) -> bool:
    """Staff and kiosk accounts (``recognition.identify_gallery``) may search every owner's gallery."""
    return bool(user.is_staff or user.has_perm("recognition.identify_gallery"))


def gallery_subjects() -> QuerySet[Subject]:
    """Subjects that belong in the 1:N index: consent recorded and a template computed."""
    return Subject.objects.filter(consent=True, template__isnull=False)


def subjects_of_person(user: AbstractBaseUser) -> QuerySet[Subject]:
    """Every subject that is biometric data of ``user``: the ones they own and the ones linked to them."""
    return Subject.objects.filter(Q(owner=user) | Q(user=user))
