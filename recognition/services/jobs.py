"""Analyze, enroll, verify and identify as jobs on the gpu queue: start them from a request, run them in a worker.

Requests validate everything they can at once (the image is decoded, subjects and photos are looked up,
consent and permissions are checked) and pass only ids to the worker. Task bodies are idempotent: the
photo analysis is stored once and reused, enrollment sets a link (and stores the face's embedding, which the
subject's consent covers), and the rest only reads.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.contrib.auth.models import AbstractBaseUser

from beautyrec.core.errors import Conflict, NotFound, ServiceError
from beautyrec.core.jobs import ProgressFn, submit_job
from beautyrec.core.models import Job
from recognition.models import Photo, Subject
from recognition.selectors import can_identify_whole_gallery, get_photo
from recognition.services.analysis import (
    analysis_payload,
    analyze_photo,
    face_embedding,
    require_usable_face,
    select_face,
)
from recognition.services.matching import identify, verify_faces, verify_subject
from recognition.services.photos import delete_photos, deleted_on_failure, store_photo
from recognition.services.subjects import enroll_face

TASK_ANALYZE = "recognition.analyze"
TASK_ENROLL = "recognition.enroll"
TASK_VERIFY = "recognition.verify"
TASK_IDENTIFY = "recognition.identify"
JOB_KINDS = {TASK_ANALYZE: "face_analyze", TASK_ENROLL: "face_enroll", TASK_VERIFY: "face_verify",
             TASK_IDENTIFY: "face_identify"}


# Job parameter: the photos uploaded with the job's own request (not earlier photos given by photo_id).
UPLOADS = "uploaded_photo_ids"


@dataclass(frozen=True)
class ImageInput:
    """Either a new upload or one of the user's stored photos, and which face of it to use."""

    image: BinaryIO | None = None
    photo_id: object = None
    face_index: int | None = None


def resolve_image_input(user: AbstractBaseUser, source: ImageInput, new_photos: list[Photo]) -> Photo:
    """The user's photo named by ``source``: a fresh upload is stored (and noted in ``new_photos`` so a failed
    request can delete it), an id must name one of the user's own photos (404 otherwise)."""
    if source.image is not None:
        photo = store_photo(owner=user, upload=source.image)
        new_photos.append(photo)
        return photo
    return get_photo(user=user, photo_id=source.photo_id)


def _submit(user: AbstractBaseUser, task: str, params: dict[str, Any], new_photos: list[Photo],
            idempotency_key: str | None) -> Job:
    def undo() -> None:
        delete_photos(new_photos)

    params = {**params, UPLOADS: [str(p.pk) for p in new_photos]}
    job, created = submit_job(kind=JOB_KINDS[task], owner=user, task_name=task, params=params,
                              idempotency_key=idempotency_key, undo=undo)
    if not created:  # a retried request: the earlier job stands, this upload is not needed
        undo()
    return job


def start_analyze(*, user: AbstractBaseUser, source: ImageInput, idempotency_key: str | None = None) -> Job:
    with deleted_on_failure() as new:
        photo = resolve_image_input(user, source, new)
        return _submit(user, TASK_ANALYZE, {"photo_id": str(photo.pk)}, new, idempotency_key)


def start_enroll(*, user: AbstractBaseUser, subject: Subject, source: ImageInput,
                 idempotency_key: str | None = None) -> Job:
    if not subject.consent:
        raise Conflict("The subject has not consented to biometric enrollment.", code="consent_required")
    with deleted_on_failure() as new:
        photo = resolve_image_input(user, source, new)
        params = {"photo_id": str(photo.pk), "face_index": source.face_index, "subject_id": str(subject.pk)}
        return _submit(user, TASK_ENROLL, params, new, idempotency_key)


def start_verify(*, user: AbstractBaseUser, source: ImageInput, other: ImageInput | None = None,
                 subject: Subject | None = None, idempotency_key: str | None = None) -> Job:
    with deleted_on_failure() as new:
        photo = resolve_image_input(user, source, new)
        params: dict[str, Any] = {"photo_id": str(photo.pk), "face_index": source.face_index}
        if subject is not None:
            params["subject_id"] = str(subject.pk)
        elif other is not None:
            params["other_photo_id"] = str(resolve_image_input(user, other, new).pk)
            params["other_face_index"] = other.face_index
        return _submit(user, TASK_VERIFY, params, new, idempotency_key)


def start_identify(*, user: AbstractBaseUser, source: ImageInput, top_k: int, scope: str,
                   idempotency_key: str | None = None) -> Job:
    if scope == "all" and not can_identify_whole_gallery(user):
        raise ServiceError("Searching every owner's gallery needs staff or the kiosk permission "
                           "(recognition.identify_gallery).", code="gallery_permission_required", status_code=403)
    with deleted_on_failure() as new:
        photo = resolve_image_input(user, source, new)
        params = {"photo_id": str(photo.pk), "face_index": source.face_index, "top_k": top_k,
                  "owner_id": None if scope == "all" else user.pk}
        return _submit(user, TASK_IDENTIFY, params, new, idempotency_key)


def discards_uploads_on_refusal(body: Callable[[Job, ProgressFn], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A job refused because of its input (no usable face, consent withdrawn meanwhile...) keeps none of the
    photos its own request uploaded: the failed Job answers the client, and no face image stays behind."""

    @functools.wraps(body)
    def run(job: Job, progress: ProgressFn) -> dict[str, Any]:
        try:
            return body(job, progress)
        except ServiceError as exc:
            if 400 <= exc.status_code < 500:
                delete_photos(list(Photo.objects.filter(pk__in=job.params.get(UPLOADS, []))))
            raise

    return run


def _photo(job: Job, key: str = "photo_id") -> Photo:
    photo = Photo.objects.filter(pk=job.params[key]).first()
    if photo is None:
        raise NotFound("The photo no longer exists.", code="photo_not_found")
    return photo


def _face_result(photo: Photo, face_index: int | None) -> tuple[Any, dict[str, Any]]:
    face = select_face(analyze_photo(photo=photo), face_index)
    return face, {"photo_id": str(photo.pk), "face_index": face.index, "face_id": face.pk,
                  "quality": face.quality}


@discards_uploads_on_refusal
def run_analyze(job: Job, progress: ProgressFn) -> dict[str, Any]:
    photo = _photo(job)
    progress(10, "detect")
    faces = analyze_photo(photo=photo)
    require_usable_face(faces)
    return analysis_payload(photo, faces)


@discards_uploads_on_refusal
def run_enroll(job: Job, progress: ProgressFn) -> dict[str, Any]:
    subject = Subject.objects.filter(pk=job.params["subject_id"]).first()
    if subject is None:
        raise NotFound("The subject no longer exists.", code="subject_not_found")
    progress(10, "detect")
    face, result = _face_result(_photo(job), job.params.get("face_index"))
    progress(80, "enroll")
    enrolled = enroll_face(subject=subject, face=face, embedding=face_embedding(face))
    return {**result, "subject_id": str(subject.pk), "enrolled_faces": enrolled}


@discards_uploads_on_refusal
def run_verify(job: Job, progress: ProgressFn) -> dict[str, Any]:
    progress(10, "detect")
    face, result = _face_result(_photo(job), job.params.get("face_index"))
    if "subject_id" in job.params:
        subject = Subject.objects.filter(pk=job.params["subject_id"]).first()
        if subject is None:
            raise NotFound("The subject no longer exists.", code="subject_not_found")
        return {**result, **verify_subject(face, subject), "against": {"subject_id": str(subject.pk)}}
    other, other_result = _face_result(_photo(job, "other_photo_id"), job.params.get("other_face_index"))
    return {**result, **verify_faces(face, other), "against": other_result}


@discards_uploads_on_refusal
def run_identify(job: Job, progress: ProgressFn) -> dict[str, Any]:
    progress(10, "detect")
    face, result = _face_result(_photo(job), job.params.get("face_index"))
    progress(70, "search")
    owner_id = job.params.get("owner_id")
    return {**result, **identify(face, top_k=job.params["top_k"], owner_id=owner_id),
            "scope": "all" if owner_id is None else "own"}
