"""Gallery vectors in PostgreSQL: subject templates (what identify searches) and enrolled faces' embeddings.

The rows mirror ``Subject.template`` and ``Face.embedding`` and are written in the same transaction as them
(``recognition.vectorstore.services.sync_subjects``), so every machine sees an enrollment or an erasure the
moment it commits. They go with their subject or face (cascade) and carry the model version that made them.
"""

from django.db import models
from pgvector.django import HnswIndex, VectorField

from recognition.models import EMBEDDING_DIM
from recognition.vectorstore.search import HNSW_EF_CONSTRUCTION, HNSW_M


def hnsw(name: str) -> HnswIndex:
    return HnswIndex(name=name, fields=["embedding"], m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION,
                     opclasses=["vector_cosine_ops"])


class SubjectTemplate(models.Model):
    subject = models.OneToOneField("recognition.Subject", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+")
    owner_id = models.BigIntegerField(db_index=True, help_text="The subject's owner (searches of one gallery).")
    model_version = models.ForeignKey("core.ModelVersion", on_delete=models.CASCADE, related_name="+")
    embedding = VectorField(dimensions=EMBEDDING_DIM)

    class Meta:
        indexes = [hnsw("subject_template_hnsw")]

    def __str__(self) -> str:
        return f"template of {self.subject_id}"


class FaceEmbedding(models.Model):
    face = models.OneToOneField("recognition.Face", on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    subject = models.ForeignKey("recognition.Subject", on_delete=models.CASCADE, related_name="+")
    model_version = models.ForeignKey("core.ModelVersion", on_delete=models.CASCADE, related_name="+")
    embedding = VectorField(dimensions=EMBEDDING_DIM)

    class Meta:
        indexes = [hnsw("face_embedding_hnsw")]

    def __str__(self) -> str:
        return f"embedding of face {self.face_id}"
