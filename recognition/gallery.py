"""The per-process 1:N index of gallery subjects, kept in step with the database.

Each worker builds its index from the database on first use, then before every search replays the
``GalleryChange`` log from the last sequence number it saw: one indexed query when nothing changed, and a
reload of just the changed subjects (enrolled, consent withdrawn, deleted, erased) when something did.
The sequence is read before the rows it covers, so a change racing a rebuild is replayed, never missed.

The log is pruned (``prune_gallery_changes``, a beat task) of entries older than
``GALLERY_CHANGE_RETENTION_HOURS``. A worker that has not refreshed for half that time rebuilds instead of
replaying, so it never replays a log with entries missing.

With ``GALLERY_BACKEND=pgvector`` none of this runs: the gallery is a table every machine reads
(``recognition.vectorstore``), written in the same transaction as the subjects.
"""

import threading
import time
import uuid
from datetime import datetime, timedelta
from itertools import islice

import numpy as np
from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from beautyrec.core.ml.runtime import cached
from recognition.ml.index import CosineIndex
from recognition.models import GalleryChange, Subject, embedding_from_bytes
from recognition.selectors import gallery_subjects
from recognition.services.embedding import embedding_model_version

LOAD_CHUNK = 20_000


def record_gallery_change(subject_ids: list[uuid.UUID] | list[str]) -> None:
    """Called in the transaction that changed the subjects: logs them for the workers' indexes to replay, or
    with ``GALLERY_BACKEND=pgvector`` writes their rows of the shared vector table (no log there)."""
    if settings.GALLERY_BACKEND == "pgvector":
        from recognition.vectorstore.services import sync_subjects  # installed with that backend only

        sync_subjects(subject_ids)
        return
    GalleryChange.objects.bulk_create([GalleryChange(subject_id=s) for s in subject_ids])


def prune_gallery_changes(*, now: datetime | None = None) -> int:
    """Delete log entries older than the retention, always keeping the newest (it marks where the log is)."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.GALLERY_CHANGE_RETENTION_HOURS)
    newest = GalleryChange.objects.aggregate(seq=Max("seq"))["seq"]
    if newest is None:
        return 0
    deleted, _ = GalleryChange.objects.filter(created_at__lt=cutoff, seq__lt=newest).delete()
    return deleted


def _replay_window_seconds() -> float:
    """How long a worker may go without refreshing and still replay: half the log's retention."""
    return settings.GALLERY_CHANGE_RETENTION_HOURS * 3600 / 2


class Gallery:
    def __init__(self) -> None:
        self.index = CosineIndex()
        self.seq: int | None = None
        self.refreshed_at = 0.0  # time.monotonic() when the last successful refresh began
        self._lock = threading.Lock()

    def _load(self, rows: list[tuple[uuid.UUID, int, bytes]]) -> None:
        if rows:
            self.index.upsert([r[0] for r in rows], np.stack([embedding_from_bytes(r[2]) for r in rows]),
                              [r[1] for r in rows])

    @staticmethod
    def _current(subjects: QuerySet[Subject]) -> QuerySet[Subject]:
        """Rows for the index: templates made by the active embedding model only."""
        return subjects.filter(template_model_version=embedding_model_version()).values_list(
            "id", "owner_id", "template")

    def rebuild(self) -> None:
        latest = GalleryChange.objects.aggregate(seq=Max("seq"))["seq"] or 0
        self.index.clear()
        rows = self._current(gallery_subjects()).iterator(chunk_size=LOAD_CHUNK)
        while chunk := list(islice(rows, LOAD_CHUNK)):
            self._load(chunk)
        self.seq = latest

    def refresh(self) -> int:
        """Bring the index up to date; returns how many subjects were reloaded (the whole gallery on first use)."""
        with self._lock:
            started = time.monotonic()
            if self.seq is None or started - self.refreshed_at > _replay_window_seconds():
                self.rebuild()  # first use, or entries it would replay may have been pruned
                reloaded = len(self.index)
            else:
                reloaded = self._replay()
            self.refreshed_at = started  # only once it succeeded: a failed rebuild is tried again next time
            return reloaded

    def _replay(self) -> int:
        """Apply the log entries after ``seq``; returns how many subjects were reloaded."""
        latest = GalleryChange.objects.aggregate(seq=Max("seq"))["seq"] or 0
        if latest < self.seq:  # the database was replaced: start again
            self.rebuild()
            return len(self.index)
        changes = list(GalleryChange.objects.filter(seq__gt=self.seq).values_list("seq", "subject_id"))
        if not changes:
            return 0
        changed = list({subject_id for _, subject_id in changes})
        rows = list(self._current(gallery_subjects().filter(pk__in=changed)))
        present = {r[0] for r in rows}
        self.index.remove([s for s in changed if s not in present])
        self._load(rows)
        self.seq = max(seq for seq, _ in changes)
        return len(changed)

    def search(self, query: np.ndarray, k: int, *, owner_id: int | None = None) -> list[tuple[uuid.UUID, float]]:
        self.refresh()
        with self._lock:
            return self.index.search(query, k, group=owner_id)  # type: ignore[return-value]

    def size(self, *, owner_id: int | None = None) -> int:
        with self._lock:
            return self.index.count(owner_id)


def gallery() -> Gallery:
    """This process's gallery index (built lazily after fork, like the models), or the shared PostgreSQL table
    with ``GALLERY_BACKEND=pgvector`` (same ``search`` and ``size``)."""
    if settings.GALLERY_BACKEND == "pgvector":
        from recognition.vectorstore.services import VectorGallery

        return VectorGallery()  # type: ignore[return-value]
    return cached(("recognition-gallery",), Gallery)
