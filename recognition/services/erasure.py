"""Erasure of a person's biometric data (the right to erasure): ``DELETE /api/v1/me/biometrics/``.

Removes the user's photos with their files, every face found in them (embeddings, landmarks), the subjects
they own or are linked to with those subjects' gallery entries, other subjects' templates that averaged
one of those faces (recomputed without them), and the user's recognition jobs, whose parameters and
results name photos and hold landmarks. Workers drop the subjects from their indexes on their next search.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from beautyrec.core.models import Job
from recognition.models import Face, Subject
from recognition.selectors import subjects_of_person
from recognition.services.jobs import JOB_KINDS
from recognition.services.subjects import delete_subject, update_template


def erase_biometrics(user: AbstractBaseUser) -> dict[str, int]:
    """Delete everything biometric about ``user``; returns what was removed, by kind."""
    with transaction.atomic():
        subjects = list(subjects_of_person(user))
        faces = Face.objects.filter(photo__owner=user)
        face_count = faces.count()
        touched = set(faces.filter(subject__isnull=False).exclude(subject__in=subjects)
                      .values_list("subject_id", flat=True))
        for subject in subjects:
            delete_subject(subject=subject)
        photos = list(user.photos.all())
        files = [p.file for p in photos]
        for photo in photos:
            photo.delete()
        for subject in Subject.objects.filter(pk__in=touched):
            update_template(subject)
        jobs, _ = Job.objects.filter(owner=user, kind__in=JOB_KINDS.values()).delete()
        transaction.on_commit(lambda: _delete_files(files))
    return {"photos": len(photos), "faces": face_count, "subjects": len(subjects), "jobs": jobs}


def _delete_files(files: list) -> None:
    """File deletion waits for the commit, so a rolled-back erasure leaves no row without its file."""
    for f in files:
        f.delete(save=False)
