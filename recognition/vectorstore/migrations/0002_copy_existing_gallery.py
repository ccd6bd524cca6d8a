"""Switching an existing deployment to GALLERY_BACKEND=pgvector: copy the gallery that is already there.

Templates of consented subjects and embeddings of enrolled faces are copied into the vector tables (the
HNSW indexes are filled as the rows go in). A new, empty database has nothing to copy.
"""

from itertools import islice

import numpy as np
from django.db import migrations

BATCH = 5_000


def vector(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4").copy()


def copy_gallery(apps, schema_editor) -> None:  # noqa: ANN001 - the migration signature
    Subject, Face = apps.get_model("recognition", "Subject"), apps.get_model("recognition", "Face")
    SubjectTemplate = apps.get_model("recognition_vectors", "SubjectTemplate")
    FaceEmbedding = apps.get_model("recognition_vectors", "FaceEmbedding")
    subjects = Subject.objects.filter(consent=True, template__isnull=False, template_model_version__isnull=False)
    rows = subjects.values_list("id", "owner_id", "template_model_version_id", "template").iterator(BATCH)
    while batch := list(islice(rows, BATCH)):
        SubjectTemplate.objects.bulk_create([SubjectTemplate(subject_id=s, owner_id=o, model_version_id=v,
                                                             embedding=vector(t)) for s, o, v, t in batch])
    faces = Face.objects.filter(subject__isnull=False, embedding__isnull=False,
                                embedding_model_version__isnull=False)
    rows = faces.values_list("id", "subject_id", "embedding_model_version_id", "embedding").iterator(BATCH)
    while batch := list(islice(rows, BATCH)):
        FaceEmbedding.objects.bulk_create([FaceEmbedding(face_id=f, subject_id=s, model_version_id=v,
                                                         embedding=vector(e)) for f, s, v, e in batch])


class Migration(migrations.Migration):
    dependencies = [("recognition_vectors", "0001_initial")]

    operations = [migrations.RunPython(copy_gallery, migrations.RunPython.noop)]
