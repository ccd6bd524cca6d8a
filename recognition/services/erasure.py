"""Erasure of a person's biometric data (the right to erasure): ``DELETE /api/v1/me/biometrics/``.

Removes the user's photos with their files, every face found in them (embeddings, landmarks), the subjects
they own or are linked to with those subjects' gallery entries, other subjects' templates that averaged
one of those faces (recomputed without them), and the user's recognition jobs, whose parameters and
results name photos and hold landmarks. Workers drop the subjects from their indexes on their next search.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from beautyrec.core.models import Job
from beautyrec.core.signals import erasing_biometrics
from recognition.models import Face
from recognition.selectors import subjects_of_person
from recognition.services.jobs import JOB_KINDS
from recognition.services.photos import delete_photos
from recognition.services.subjects import delete_subject


def erase_biometrics(user: AbstractBaseUser) -> dict[str, int]:
    """Delete everything biometric about ``user``; returns what was removed, by kind."""
    removed: dict[str, int] = {}
    with transaction.atomic():
        for _receiver, counts in erasing_biometrics.send(sender=erase_biometrics, user=user):
            for kind, count in (counts or {}).items():
                removed[kind] = removed.get(kind, 0) + count
        subjects = list(subjects_of_person(user))
        face_count = Face.objects.filter(photo__owner=user).count()
        for subject in subjects:
            delete_subject(subject=subject)
        photos = delete_photos(list(user.photos.all()))  # other subjects' templates are recomputed
        jobs, _ = Job.objects.filter(owner=user, kind__in=JOB_KINDS.values()).delete()
    return {**removed, "photos": photos, "faces": face_count, "subjects": len(subjects), "jobs": jobs}
