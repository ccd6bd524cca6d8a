"""Recognition endpoints: one view per operation; the heavy ones answer with a Job (``?wait=`` supported).

When a waited-for job fails because of the input (no face, a face too small, a face_index out of range, a
subject without consent or enrollment), the answer is that 4xx error with the job in ``details``, so a
client that waited gets the same kind of answer as for a bad upload.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beautyrec.core.api.binary import JpegApiView, jpeg_response
from beautyrec.core.api.responses import (
    IDEMPOTENCY_HEADER,
    WAIT_PARAMETER,
    JobRequestMixin,
    idempotency_key,
    job_response,
)
from beautyrec.core.api.serializers import ErrorSerializer, JobSerializer
from beautyrec.core.errors import error_body
from beautyrec.core.models import Job
from recognition import selectors
from recognition.api import examples
from recognition.api.serializers import (
    AnalyzeSerializer,
    EnrollSerializer,
    ErasureSerializer,
    IdentifySerializer,
    ImageSourceSerializer,
    PhotoSerializer,
    SubjectSerializer,
    VerifySerializer,
)
from recognition.services import jobs
from recognition.services.erasure import erase_biometrics
from recognition.services.photos import delete_photos
from recognition.services.subjects import create_subject, delete_subject, update_subject

# Job error codes caused by the request's content, answered as that HTTP status when the client waited.
INPUT_ERROR_STATUS = {
    "no_face": 422, "face_too_small": 422, "face_too_blurry": 422, "face_index_out_of_range": 422,
    "subject_not_enrolled": 422,
    "consent_required": 409,
}
JOB_RESPONSES = {200: JobSerializer, 202: JobSerializer, 400: ErrorSerializer, 401: ErrorSerializer,
                 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, 413: ErrorSerializer,
                 422: ErrorSerializer}
PARSERS = [MultiPartParser, FormParser, JSONParser]


def recognition_job_response(request: Request, job: Job) -> Response:
    response = job_response(request, job)
    if job.status == Job.Status.FAILED and job.error_code in INPUT_ERROR_STATUS:
        return Response(error_body(job.error_code, job.error_message, {"job": response.data}),
                        status=INPUT_ERROR_STATUS[job.error_code], headers={"Location": response.data["url"]})
    return response


def job_schema(request_serializer: type, job_examples: list) -> dict:
    return {"request": {"multipart/form-data": request_serializer, "application/json": request_serializer},
            "parameters": [WAIT_PARAMETER, IDEMPOTENCY_HEADER], "responses": JOB_RESPONSES, "tags": ["recognition"],
            "examples": job_examples}


class AnalyzeApi(JobRequestMixin, APIView):
    """Every face in a photo: box, 68 (or 5) landmarks, detection score, quality and attributes.

    Faces are ordered largest first. Errors: ``no_face``; ``face_too_small`` when no face is large enough;
    ``image_*`` for unusable uploads (answered at once, before any job).
    """

    parser_classes = PARSERS

    @extend_schema(**job_schema(AnalyzeSerializer, examples.ANALYZE))
    def post(self, request: Request) -> Response:
        body = AnalyzeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = jobs.start_analyze(user=request.user, source=ImageSourceSerializer.source(body.validated_data),
                                 idempotency_key=idempotency_key(request))
        return recognition_job_response(request, job)


class VerifyApi(JobRequestMixin, APIView):
    """1:1: is the (largest, or ``face_index``) face the same person as a subject or another image's face?"""

    parser_classes = PARSERS

    @extend_schema(**job_schema(VerifySerializer, examples.VERIFY))
    def post(self, request: Request) -> Response:
        body = VerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subject = selectors.get_subject(user=request.user, subject_id=data["subject_id"]) \
            if "subject_id" in data else None
        other = None if subject else ImageSourceSerializer.source(data, "2")
        job = jobs.start_verify(user=request.user, source=ImageSourceSerializer.source(data), other=other,
                                subject=subject, idempotency_key=idempotency_key(request))
        return recognition_job_response(request, job)


class IdentifyApi(JobRequestMixin, APIView):
    """1:N: the top-k gallery subjects for a face, with similarities and a match decision at the threshold.

    ``scope=own`` (default) searches your subjects; ``scope=all`` every owner's and needs staff or the
    ``recognition.identify_gallery`` (kiosk) permission.
    """

    parser_classes = PARSERS

    @extend_schema(**job_schema(IdentifySerializer, examples.IDENTIFY))
    def post(self, request: Request) -> Response:
        body = IdentifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = jobs.start_identify(user=request.user, source=ImageSourceSerializer.source(data), top_k=data["top_k"],
                                  scope=data["scope"], idempotency_key=idempotency_key(request))
        return recognition_job_response(request, job)


class SubjectListApi(generics.ListAPIView):
    """Your gallery subjects (staff see all). POST creates one, only with ``consent: true``: the record of the
    person's consent to biometric enrollment (409 ``consent_required`` otherwise)."""

    serializer_class = SubjectSerializer

    def get_queryset(self):  # type: ignore[override]
        return selectors.visible_subjects(self.request.user)

    @extend_schema(responses={200: SubjectSerializer(many=True), 401: ErrorSerializer}, tags=["recognition"],
                   examples=examples.SUBJECT_LIST)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=SubjectSerializer, responses={201: SubjectSerializer, 400: ErrorSerializer,
                                                         409: ErrorSerializer},
                   tags=["recognition"], examples=examples.SUBJECT_CREATE)
    def post(self, request: Request) -> Response:
        body = SubjectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subject = create_subject(owner=request.user, name=data["name"], consent=data.get("consent", False),
                                 user=data.get("user"))
        return Response(SubjectSerializer(selectors.get_subject(user=request.user, subject_id=subject.pk)).data,
                        status=status.HTTP_201_CREATED)


class SubjectDetailApi(APIView):
    """One subject. PATCH ``consent: false`` withdraws consent and erases its enrolled embeddings."""

    @extend_schema(responses={200: SubjectSerializer, 404: ErrorSerializer}, tags=["recognition"],
                   examples=examples.SUBJECT_DETAIL)
    def get(self, request: Request, subject_id: str) -> Response:
        return Response(SubjectSerializer(selectors.get_subject(user=request.user, subject_id=subject_id)).data)

    @extend_schema(request=SubjectSerializer, responses={200: SubjectSerializer, 400: ErrorSerializer,
                                                         404: ErrorSerializer}, tags=["recognition"],
                   examples=examples.SUBJECT_PATCH)
    def patch(self, request: Request, subject_id: str) -> Response:
        subject = selectors.get_subject(user=request.user, subject_id=subject_id)
        body = SubjectSerializer(subject, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        update_subject(actor=request.user, subject=subject, fields=body.validated_data)
        return Response(SubjectSerializer(selectors.get_subject(user=request.user, subject_id=subject_id)).data)

    @extend_schema(responses={204: None, 404: ErrorSerializer}, tags=["recognition"],
                   examples=examples.SUBJECT_DELETE)
    def delete(self, request: Request, subject_id: str) -> Response:
        delete_subject(subject=selectors.get_subject(user=request.user, subject_id=subject_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EnrollApi(JobRequestMixin, APIView):
    """Enroll a face (the largest, or ``face_index``) into a subject that has consented."""

    parser_classes = PARSERS

    @extend_schema(**job_schema(EnrollSerializer, examples.ENROLL))
    def post(self, request: Request, subject_id: str) -> Response:
        subject = selectors.get_subject(user=request.user, subject_id=subject_id)
        body = EnrollSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = jobs.start_enroll(user=request.user, subject=subject,
                                source=ImageSourceSerializer.source(body.validated_data),
                                idempotency_key=idempotency_key(request))
        return recognition_job_response(request, job)


class PhotoDetailApi(APIView):
    """One of your photos with its faces (after analysis). DELETE removes it, its file and its faces."""

    @extend_schema(responses={200: PhotoSerializer, 404: ErrorSerializer}, tags=["recognition"],
                   examples=examples.PHOTO_DETAIL)
    def get(self, request: Request, photo_id: str) -> Response:
        return Response(PhotoSerializer(selectors.get_photo(user=request.user, photo_id=photo_id)).data)

    @extend_schema(responses={204: None, 404: ErrorSerializer}, tags=["recognition"],
                   examples=examples.PHOTO_DELETE)
    def delete(self, request: Request, photo_id: str) -> Response:
        delete_photos([selectors.get_photo(user=request.user, photo_id=photo_id)])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoImageApi(JpegApiView):
    """The stored photo as a JPEG: upright (EXIF applied), without metadata, at most PROCESSING_MAX_SIDE pixels.

    Any upload format (HEIC included) comes back as JPEG, so browsers can show it; face boxes and landmarks
    are in the photo's ``width`` x ``height`` pixels (scale by the JPEG's size over those).
    """

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY, (404, "application/json"): ErrorSerializer},
                   tags=["recognition"], examples=examples.PHOTO_IMAGE)
    def get(self, request: Request, photo_id: str) -> HttpResponse:
        photo = selectors.get_photo(user=request.user, photo_id=photo_id)
        with photo.file.open("rb") as fh:
            return jpeg_response(fh.read())


class BiometricsErasureApi(APIView):
    """Erase all your biometric data: photos and files, faces, embeddings, subjects, recognition jobs."""

    @extend_schema(responses={200: ErasureSerializer, 401: ErrorSerializer}, tags=["recognition"],
                   examples=examples.ERASURE)
    def delete(self, request: Request) -> Response:
        return Response(erase_biometrics(request.user))
