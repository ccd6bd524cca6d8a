"""1:1 verification and 1:N identification on unit-length embeddings (cosine similarity).

Verification decides ``similarity >= RECOGNITION_MATCH_THRESHOLD`` (the most accurate cut on LFW View 1).
Identification takes the best of many comparisons, so a stranger's chance of passing grows with the gallery,
and a raw similarity means more for some faces than others: candidates are ranked and decided on their
AS-normalised ``score`` against the score cohort (``recognition.services.cohort``), matched at
``RECOGNITION_IDENTIFY_SCORE_THRESHOLD`` (0.1% false matches per pair on View 1). Both defaults and their
measured error rates are in the README.
"""

from typing import Any

import numpy as np
from django.conf import settings

from beautyrec.core.errors import UnprocessableInput
from recognition.gallery import gallery
from recognition.models import Face, Subject, embedding_from_bytes
from recognition.services.analysis import face_embedding
from recognition.services.cohort import score_cohort
from recognition.services.embedding import embedding_model_version

# Candidates fetched from the fp16 index beyond top_k, re-scored exactly so ties at the cut are ordered right.
RESCORE_MARGIN = 10


def threshold() -> float:
    return settings.RECOGNITION_MATCH_THRESHOLD


def identify_threshold() -> float:
    return settings.RECOGNITION_IDENTIFY_SCORE_THRESHOLD


def _decision(similarity: float, cut: float) -> dict[str, Any]:
    return {"similarity": round(similarity, 4), "match": similarity >= cut}


def subject_vector(subject: Subject) -> np.ndarray:
    if subject.template is None or subject.template_model_version_id != embedding_model_version().pk:
        raise UnprocessableInput("The subject has no enrolled face to compare with.", code="subject_not_enrolled")
    return embedding_from_bytes(subject.template)


def verify_faces(face: Face, other: Face) -> dict[str, Any]:
    return {**_decision(float(face_embedding(face) @ face_embedding(other)), threshold()), "threshold": threshold()}


def verify_subject(face: Face, subject: Subject) -> dict[str, Any]:
    return {**_decision(float(face_embedding(face) @ subject_vector(subject)), threshold()), "threshold": threshold()}


def identify(face: Face, *, top_k: int, owner_id: int | None) -> dict[str, Any]:
    """Top-k gallery subjects for the face (``owner_id`` limits the search to one owner's gallery)."""
    probe = face_embedding(face)
    index = gallery()
    candidates = index.search(probe, top_k + RESCORE_MARGIN, owner_id=owner_id)
    subjects = Subject.objects.in_bulk([c[0] for c in candidates])
    version = embedding_model_version().pk
    enrolled = [(subjects[subject_id], embedding_from_bytes(subjects[subject_id].template))
                for subject_id, _ in candidates if _current(subjects.get(subject_id), version)]
    # Subjects changed since the index was refreshed are skipped; they will be gone on the next refresh.
    scored = []
    if enrolled:
        vectors = np.stack([vector for _, vector in enrolled])
        similarities = vectors @ probe
        cohort = score_cohort()
        scores = cohort.scores(similarities, cohort.stats(probe), cohort.stats(vectors))
        scored = sorted(zip(scores.tolist(), similarities.tolist(), [s for s, _ in enrolled], strict=True),
                        key=lambda item: item[0], reverse=True)
    cut = identify_threshold()
    results = [{"subject_id": str(s.pk), "name": s.name, "similarity": round(sim, 4), "score": round(score, 3),
                "match": score >= cut} for score, sim, s in scored[:top_k]]
    return {
        "candidates": results,
        "match": results[0] if results and results[0]["match"] else None,
        "threshold": cut,
        "gallery_size": index.size(owner_id=owner_id),
    }


def _current(subject: Subject | None, version: int) -> bool:
    return subject is not None and subject.template is not None and subject.template_model_version_id == version
