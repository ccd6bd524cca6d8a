"""Checks only the pgvector gallery has (run by test_backends.py with GALLERY_BACKEND=pgvector).

The vector rows are written with the subjects (enroll, withdraw, delete, erase) and no change log is kept;
the whole-gallery search walks the HNSW index, one owner's small gallery is scanned exactly.
"""

from importlib import import_module

import numpy as np
import pytest
from django.apps import apps
from django.db import connection, transaction

from recognition.gallery import gallery
from recognition.models import Face, GalleryChange, Subject, embedding_from_bytes
from recognition.vectorstore.models import FaceEmbedding, SubjectTemplate
from recognition.vectorstore.search import vector_literal
from recognition.vectorstore.services import TEMPLATES_TABLE
from tests.recognition.conftest import BLAIR, POWELL, upload
from tests.recognition.test_api import API, analyze, enroll, new_subject, succeeded

pytestmark = pytest.mark.django_db(transaction=True)


def test_vector_rows_follow_the_subjects_without_a_change_log(client_alice, post_job):
    blair, powell = new_subject(client_alice, "Tony"), new_subject(client_alice, "Colin")
    faces = [enroll(client_alice, post_job, blair, {"image": upload(p)})["face_id"] for p in BLAIR[:2]]
    enroll(client_alice, post_job, powell, {"image": upload(POWELL[0])})
    row = SubjectTemplate.objects.get(subject_id=blair)
    assert np.allclose(row.embedding, embedding_from_bytes(Subject.objects.get(pk=blair).template), atol=1e-6)
    assert sorted(FaceEmbedding.objects.filter(subject_id=blair).values_list("face_id", flat=True)) == sorted(faces)
    assert np.allclose(FaceEmbedding.objects.get(face_id=faces[0]).embedding,
                       embedding_from_bytes(Face.objects.get(pk=faces[0]).embedding), atol=1e-6)
    assert GalleryChange.objects.count() == 0

    probe = analyze(client_alice, post_job, BLAIR[2])["photo_id"]
    found = succeeded(post_job(client_alice, f"{API}/identify/", {"photo_id": probe}))
    assert found["match"]["subject_id"] == blair and found["gallery_size"] == 2
    client_alice.patch(f"{API}/subjects/{blair}/", {"consent": False}, format="json")
    assert not SubjectTemplate.objects.filter(subject_id=blair).exists()
    assert not FaceEmbedding.objects.filter(subject_id=blair).exists()
    after = succeeded(post_job(client_alice, f"{API}/identify/", {"photo_id": probe}))
    assert [c["subject_id"] for c in after["candidates"]] == [powell] and after["match"] is None
    assert client_alice.delete(f"{API}/subjects/{powell}/").status_code == 204
    assert not SubjectTemplate.objects.exists() and not FaceEmbedding.objects.exists()


def test_the_whole_gallery_walks_the_hnsw_index(client_alice, post_job):
    subject = new_subject(client_alice, "Tony")
    enroll(client_alice, post_job, subject, {"image": upload(BLAIR[0])})
    query = vector_literal(np.ones(128) / np.sqrt(128))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # two rows: left alone, the planner would scan them
        cursor.execute(f"EXPLAIN SELECT subject_id FROM {TEMPLATES_TABLE} ORDER BY embedding <=> %s::vector "
                       "LIMIT 10", (query,))
        plan = " ".join(r[0] for r in cursor.fetchall())
    assert "subject_template_hnsw" in plan
    owner = Subject.objects.get(pk=subject).owner_id
    hits = gallery().search(np.frombuffer(Subject.objects.get(pk=subject).template, "<f4"), 5, owner_id=owner)
    assert [str(h[0]) for h in hits] == [subject] and hits[0][1] == pytest.approx(1.0, abs=1e-5)


def test_switching_an_existing_gallery_to_pgvector_copies_it(client_alice, post_job):
    subject = new_subject(client_alice, "Tony")
    face = enroll(client_alice, post_job, subject, {"image": upload(BLAIR[0])})["face_id"]
    SubjectTemplate.objects.all().delete()  # as a database migrated while GALLERY_BACKEND was memory
    FaceEmbedding.objects.all().delete()
    copy = import_module("recognition.vectorstore.migrations.0002_copy_existing_gallery")
    copy.copy_gallery(apps, None)
    assert np.allclose(SubjectTemplate.objects.get(subject_id=subject).embedding,
                       embedding_from_bytes(Subject.objects.get(pk=subject).template), atol=1e-6)
    assert list(FaceEmbedding.objects.values_list("face_id", flat=True)) == [face]
