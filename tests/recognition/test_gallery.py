"""Each worker's in-memory gallery follows the database through the change log, incrementally."""

from datetime import timedelta

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from recognition.gallery import Gallery, prune_gallery_changes
from recognition.models import Face, GalleryChange, Photo
from recognition.services.subjects import create_subject, delete_subject, enroll_face, update_subject
from recognition.tasks import prune_gallery_changes as prune_task

pytestmark = pytest.mark.django_db


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(128).astype(np.float32)
    return v / np.linalg.norm(v)


def enrolled_subject(owner, name: str, seed: int):
    """A consented subject with one enrolled face whose embedding is ``unit(seed)`` (no image needed here)."""
    subject = create_subject(owner=owner, name=name, consent=True)
    photo = Photo.objects.create(owner=owner, file=f"photos/{name}.jpg", width=100, height=100, source_format="JPEG")
    face = Face.objects.create(photo=photo, index=0, box=[0, 0, 50, 50], landmarks=[], landmarks5=[], detector="hog",
                               detection_score=1.0, quality=1.0)
    enroll_face(subject=subject, face=face, embedding=unit(seed))
    return subject


def keys(results) -> list:
    return [key for key, _ in results]


def test_two_workers_see_enrollments_withdrawals_and_deletions(user, other_user):
    a = enrolled_subject(user, "a", 1)
    worker_1, worker_2 = Gallery(), Gallery()
    assert worker_1.refresh() == 1 and worker_1.size() == 1  # built from the database on first use
    assert worker_1.refresh() == 0  # nothing changed: nothing reloaded
    b = enrolled_subject(other_user, "b", 2)
    assert keys(worker_1.search(unit(2), 1)) == [b.pk]  # the search refreshed first
    assert worker_1.size() == 2 and worker_1.size(owner_id=user.pk) == 1
    assert keys(worker_2.search(unit(1), 2, owner_id=user.pk)) == [a.pk]

    update_subject(actor=user, subject=a, fields={"consent": False})
    assert worker_1.refresh() == 1
    assert keys(worker_1.search(unit(1), 5)) == [b.pk]
    delete_subject(subject=b)
    assert worker_2.search(unit(2), 5) == [] and worker_2.size() == 0
    assert worker_1.search(unit(2), 5) == []


def test_a_replaced_database_triggers_a_rebuild(user):
    enrolled_subject(user, "a", 1)
    worker = Gallery()
    worker.refresh()
    worker.seq += 1000  # as if the log had been truncated under the worker
    assert worker.refresh() == 1 and worker.seq == GalleryChange.objects.latest("seq").seq


def test_a_template_from_another_model_version_is_not_served(user):
    subject = enrolled_subject(user, "a", 1)
    worker = Gallery()
    worker.refresh()
    type(subject).objects.filter(pk=subject.pk).update(template_model_version=None)
    GalleryChange.objects.create(subject_id=subject.pk)
    assert worker.search(unit(1), 1) == []


def test_the_log_is_pruned_and_a_worker_idle_past_the_window_rebuilds(user, settings):
    settings.GALLERY_CHANGE_RETENTION_HOURS = 24
    enrolled_subject(user, "a", 1)
    worker = Gallery()
    assert worker.refresh() == 1
    b = enrolled_subject(user, "b", 2)  # not yet seen by the worker
    c = enrolled_subject(user, "c", 3)
    GalleryChange.objects.exclude(subject_id=c.pk).update(created_at=timezone.now() - timedelta(hours=25))
    newest = GalleryChange.objects.latest("seq").seq
    old = GalleryChange.objects.exclude(subject_id=c.pk).count()
    assert old >= 2 and prune_gallery_changes() == old
    assert not GalleryChange.objects.filter(subject_id=b.pk).exists()  # b's entries are gone
    assert prune_task.delay().get() == 0  # the beat task: nothing else is old enough
    assert prune_gallery_changes(now=timezone.now() + timedelta(days=7)) == 0
    assert list(GalleryChange.objects.values_list("seq", flat=True)) == [newest]  # the newest always stays

    worker.refreshed_at -= 13 * 3600  # idle for more than half the retention: replaying could miss b
    assert worker.refresh() == 3 and keys(worker.search(unit(2), 1)) == [b.pk]
    d = enrolled_subject(user, "d", 4)
    assert worker.refresh() == 1 and keys(worker.search(unit(4), 1)) == [d.pk]  # within it: incremental



def test_a_failed_rebuild_of_a_stale_worker_is_tried_again(user, monkeypatch):
    a = enrolled_subject(user, "a", 1)
    worker = Gallery()
    worker.refresh()
    worker.refreshed_at -= 13 * 3600  # stale: the next refresh must rebuild
    stale_since = worker.refreshed_at

    def database_down(self) -> None:
        raise ConnectionError("database unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(Gallery, "rebuild", database_down)
        with pytest.raises(ConnectionError):
            worker.refresh()
    assert worker.refreshed_at == stale_since  # still stale, so the next refresh rebuilds instead of replaying
    assert worker.refresh() == 1 and keys(worker.search(unit(1), 1)) == [a.pk]

def test_pruning_runs_hourly_on_the_cpu_queue():
    entry = django_settings.CELERY_BEAT_SCHEDULE["recognition-prune-gallery-changes"]
    assert (entry["task"], entry["schedule"]) == ("recognition.prune_gallery_changes", 3600.0)
    assert prune_task.name == "recognition.prune_gallery_changes"
    assert "recognition.prune_gallery_changes" not in django_settings.CELERY_TASK_ROUTES  # default queue: cpu
