"""OpenAPI examples of the recognition endpoints, from a recorded real run (``examples.json``, see its ``_source``)."""

from drf_spectacular.utils import OpenApiExample

from beautyrec.core.api.examples import (
    BINARY,
    UPLOAD,
    error_example,
    job_examples,
    load_recorded,
    request_examples,
    response_example,
)

RECORDED = load_recorded(__file__)


def _job(name: str) -> list[OpenApiExample]:
    job = RECORDED[name]
    return job_examples(job["kind"], job["result"], job_id=job["id"], created_at=job["created_at"],
                        finished_at=job["finished_at"])


PHOTO_ID = RECORDED["analyze"]["result"]["photo_id"]
OTHER_PHOTO_ID = RECORDED["verify"]["result"]["photo_id"]
SUBJECT_ID = RECORDED["subject"]["id"]
NO_FACE = error_example(422, "no_face", "No face was found in the image.",
                        {"job": {"id": "0d6e5c1f-3c1e-4a8e-9a51-0f1c3b7d2e90", "kind": "face_analyze",
                                 "status": "failed", "error": {"code": "no_face",
                                                               "message": "No face was found in the image."}}})
BAD_IMAGE = error_example(422, "image_unreadable", "The upload is not an image in a supported format.",
                          {"supported": ["BMP", "GIF", "HEIF", "JPEG", "MPO", "PNG", "PPM", "TIFF", "WEBP"]})
TOO_LARGE = error_example(413, "image_too_large", "The image is larger than the limit of 12582912 bytes.",
                          {"limit_bytes": 12582912})
BOTH_SOURCES = error_example(400, "invalid", "Invalid input.",
                             {"image": ["Send exactly one of image and photo_id."]})
PHOTO_NOT_FOUND = error_example(404, "photo_not_found", "No such photo.")
SUBJECT_NOT_FOUND = error_example(404, "subject_not_found", "No such subject.")
CONSENT = error_example(409, "consent_required", "The subject has not consented to biometric enrollment.")
NOT_ENROLLED = error_example(422, "subject_not_enrolled", "The subject has no enrolled face to compare with.")
UPLOAD_ERRORS = [BOTH_SOURCES, TOO_LARGE, BAD_IMAGE]

ANALYZE = [
    *request_examples("Upload a selfie", {"image": BINARY}, media_types=UPLOAD),
    *request_examples("A photo uploaded before", {"photo_id": PHOTO_ID}),
    *_job("analyze"), NO_FACE, *UPLOAD_ERRORS,
]
ENROLL = [
    *request_examples("Enroll the largest face of an upload", {"image": BINARY}, media_types=UPLOAD),
    *request_examples("Enroll face 0 of a stored photo", {"photo_id": PHOTO_ID, "face_index": 0}),
    *_job("enroll"), CONSENT, SUBJECT_NOT_FOUND, NO_FACE, *UPLOAD_ERRORS,
]
VERIFY = [
    *request_examples("Against a subject", {"image": BINARY, "subject_id": SUBJECT_ID}, media_types=UPLOAD),
    *request_examples("Two images", {"image": BINARY, "image2": BINARY}, media_types=UPLOAD),
    *request_examples("Two stored photos", {"photo_id": PHOTO_ID, "photo_id2": OTHER_PHOTO_ID}),
    *_job("verify"), NOT_ENROLLED, NO_FACE, *UPLOAD_ERRORS,
]
IDENTIFY = [
    *request_examples("Top 3 of your gallery", {"image": BINARY, "top_k": 3}, media_types=UPLOAD),
    *request_examples("Kiosk: every gallery", {"photo_id": PHOTO_ID, "top_k": 5, "scope": "all"}),
    *_job("identify"), NO_FACE, *UPLOAD_ERRORS,
    error_example(403, "gallery_permission_required", "Searching every owner's gallery needs staff or the kiosk "
                  "permission (recognition.identify_gallery)."),
]
SUBJECT_LIST = [response_example("Your gallery", [RECORDED["subject"]])]
SUBJECT_CREATE = [
    *request_examples("A consenting person", {"name": "Tony Blair", "consent": True}),
    response_example("Created", RECORDED["subject_created"], 201),
    error_example(400, "invalid", "Invalid input.", {"name": ["This field is required."]}),
    error_example(409, "consent_required", "A subject is created only with the person's consent to biometric "
                  "enrollment: send consent: true."),
]
SUBJECT_DETAIL = [response_example("Enrolled subject", RECORDED["subject"]), SUBJECT_NOT_FOUND]
SUBJECT_PATCH = [
    *request_examples("Rename", {"name": "T. Blair"}),
    *request_examples("Withdraw consent (erases the enrolled embeddings)", {"consent": False}),
    response_example("Updated", {**RECORDED["subject"], "name": "T. Blair"}), SUBJECT_NOT_FOUND,
]
SUBJECT_DELETE = [SUBJECT_NOT_FOUND]
PHOTO_DETAIL = [response_example("Analysed photo", RECORDED["photo"]), PHOTO_NOT_FOUND]
PHOTO_DELETE = [PHOTO_NOT_FOUND]
PHOTO_IMAGE = [PHOTO_NOT_FOUND]
ERASURE = [response_example("What was erased", RECORDED["erase"])]
