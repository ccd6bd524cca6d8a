"""Writing and searching the gallery vectors (``GALLERY_BACKEND=pgvector``).

``sync_subjects`` runs inside the transaction that changed the subjects (it is what ``record_gallery_change``
does on this backend), so the vector rows commit or roll back with the ``Subject`` and ``Face`` rows: there is
no change log to replay and no per-process index to refresh.
"""

import uuid

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from recognition.models import Face, Subject, embedding_from_bytes
from recognition.services.embedding import embedding_model_version
from recognition.vectorstore.models import FaceEmbedding, SubjectTemplate
from recognition.vectorstore.search import EXACT_SCAN_MAX_ROWS, nearest

TEMPLATES_TABLE = SubjectTemplate._meta.db_table


def sync_subjects(subject_ids: list[uuid.UUID] | list[str]) -> None:
    """Make the vector rows of these subjects match their ``Subject.template`` and enrolled ``Face.embedding``."""
    SubjectTemplate.objects.filter(subject_id__in=subject_ids).delete()
    FaceEmbedding.objects.filter(subject_id__in=subject_ids).delete()
    templates = Subject.objects.filter(pk__in=subject_ids, consent=True, template__isnull=False,
                                       template_model_version__isnull=False)
    SubjectTemplate.objects.bulk_create([
        SubjectTemplate(subject_id=s.pk, owner_id=s.owner_id, model_version_id=s.template_model_version_id,
                        embedding=embedding_from_bytes(s.template)) for s in templates])
    faces = Face.objects.filter(subject_id__in=subject_ids, embedding__isnull=False,
                                embedding_model_version__isnull=False).only(
        "id", "subject_id", "embedding", "embedding_model_version_id")
    FaceEmbedding.objects.bulk_create([
        FaceEmbedding(face_id=f.pk, subject_id=f.subject_id, model_version_id=f.embedding_model_version_id,
                      embedding=embedding_from_bytes(f.embedding)) for f in faces])


class VectorGallery:
    """The shared gallery: every query reads the committed table, so there is nothing to build or refresh."""

    @staticmethod
    def _rows(owner_id: int | None) -> QuerySet[SubjectTemplate]:
        rows = SubjectTemplate.objects.filter(model_version=embedding_model_version())
        return rows if owner_id is None else rows.filter(owner_id=owner_id)

    def search(self, query: np.ndarray, k: int, *, owner_id: int | None = None) -> list[tuple[uuid.UUID, float]]:
        where, params = "model_version_id = %s", (embedding_model_version().pk,)
        exact = False
        if owner_id is not None:
            where, params = f"{where} AND owner_id = %s", (*params, owner_id)
            exact = self.size(owner_id=owner_id) <= EXACT_SCAN_MAX_ROWS
        with transaction.atomic(), connection.cursor() as cursor:
            return nearest(cursor, TEMPLATES_TABLE, query, k, ef_search=settings.GALLERY_EF_SEARCH, where=where,
                           params=params, exact=exact)

    def size(self, *, owner_id: int | None = None) -> int:
        return self._rows(owner_id).count()
