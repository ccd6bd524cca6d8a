"""Gallery subjects: create, update (consent), delete, enroll faces, and keep their templates current.

A subject's template is the unit-length mean of its enrolled faces' embeddings; the 1:N index holds one
row per subject. Every change that can alter a subject's presence in the index is logged with
``record_gallery_change`` in the same transaction, so each worker's index catches up on its next search.
"""

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from beautyrec.core.errors import Conflict, InvalidInput
from recognition.gallery import record_gallery_change
from recognition.ml.embedder import l2_normalize
from recognition.models import Face, Subject, embedding_from_bytes, embedding_to_bytes
from recognition.services.embedding import embedding_model_version


def _check_link(actor: AbstractBaseUser, user: AbstractBaseUser | None) -> None:
    if user is not None and not actor.is_staff and user.pk != actor.pk:
        raise InvalidInput("A subject can be linked to your own account only.", code="invalid_subject_user")


def _consent_required(message: str = "The subject has not consented to biometric enrollment.") -> Conflict:
    return Conflict(message, code="consent_required")


def create_subject(*, owner: AbstractBaseUser, name: str, consent: bool,
                   user: AbstractBaseUser | None = None) -> Subject:
    """A gallery entry exists only with the person's consent: ``consent`` must be true (recorded with its time)."""
    if not consent:
        raise _consent_required("A subject is created only with the person's consent to biometric enrollment: "
                                "send consent: true.")
    _check_link(owner, user)
    return Subject.objects.create(owner=owner, name=name, user=user, consent=True, consent_at=timezone.now())


def _forget_biometrics(subject: Subject) -> None:
    """Unlink the subject's faces, clear their embeddings and its template (consent gone or subject deleted)."""
    Face.objects.filter(subject=subject).update(subject=None, enrolled_at=None, embedding=None,
                                                embedding_model_version=None)
    subject.template, subject.template_model_version = None, None


@transaction.atomic
def update_subject(*, actor: AbstractBaseUser, subject: Subject, fields: dict) -> Subject:
    """Apply ``name``, ``user`` and ``consent`` changes; withdrawing consent erases the subject's biometrics."""
    if "user" in fields:
        _check_link(actor, fields["user"])
        subject.user = fields["user"]
    if "name" in fields:
        subject.name = fields["name"]
    withdrawn = "consent" in fields and subject.consent and not fields["consent"]
    if "consent" in fields and fields["consent"] != subject.consent:
        subject.consent = fields["consent"]
        subject.consent_at = timezone.now() if subject.consent else None
        if withdrawn:
            _forget_biometrics(subject)
    subject.save()
    if withdrawn:
        record_gallery_change([subject.pk])  # after the save: the pgvector backend reads the saved row
    return subject


@transaction.atomic
def delete_subject(*, subject: Subject) -> None:
    _forget_biometrics(subject)
    record_gallery_change([subject.pk])
    subject.delete()


def update_template(subject: Subject) -> int:
    """Recompute the subject's template from its enrolled faces; returns how many faces it averages."""
    version = embedding_model_version()
    embeddings = [embedding_from_bytes(e) for e in Face.objects.filter(
        subject=subject, embedding__isnull=False, embedding_model_version=version).values_list("embedding", flat=True)]
    if embeddings:
        template = l2_normalize(np.mean(np.stack(embeddings), axis=0))
        subject.template, subject.template_model_version = embedding_to_bytes(template), version
    else:
        subject.template, subject.template_model_version = None, None
    subject.save(update_fields=["template", "template_model_version", "updated_at"])
    record_gallery_change([subject.pk])
    return len(embeddings)


@transaction.atomic
def enroll_face(*, subject: Subject, face: Face, embedding: np.ndarray) -> int:
    """Add ``face`` with its ``embedding`` to the subject's gallery entry (idempotent); returns the number of
    enrolled faces. The embedding is stored here and only here: the subject's consent record covers it."""
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    if not subject.consent:
        raise _consent_required()
    previous_id = face.subject_id
    if previous_id != subject.pk:
        face.subject, face.enrolled_at = subject, timezone.now()
    face.embedding, face.embedding_model_version = embedding_to_bytes(embedding), embedding_model_version()
    face.save(update_fields=["subject", "enrolled_at", "embedding", "embedding_model_version"])
    if previous_id not in (None, subject.pk):  # the face moved from another subject's entry
        update_template(Subject.objects.get(pk=previous_id))
    return update_template(subject)
