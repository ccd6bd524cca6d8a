"""Preview endpoints: start a preview job, list, fetch and delete your previews, fetch their images.

When a waited-for job fails because of the input (no face, face too small, face_index out of range), the
answer is that 4xx error with the job in ``details``, as for the recognition endpoints.
"""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beautyrec.core.api.binary import JpegApiView
from beautyrec.core.api.responses import IDEMPOTENCY_HEADER, WAIT_PARAMETER, JobRequestMixin, idempotency_key
from beautyrec.core.api.serializers import ErrorSerializer, JobSerializer
from gan import selectors
from gan.api import examples
from gan.api.serializers import PreviewRequestSerializer, PreviewSerializer
from gan.services.previews import delete_preview, start_preview
from recognition.api.views import recognition_job_response

TAGS = ["previews"]


class PreviewListApi(JobRequestMixin, generics.ListAPIView):
    """Your previews (newest first, unexpired). POST starts a preview job (kind ``preview``).

    Items are catalogue products (``{"product": id}``) or explicit shades; one image per item, or one for
    all with ``combine``. Or send a reference photo and ``method`` (``gan`` or ``analytic``) for its look.
    Errors: ``unknown_product``, ``invalid_shade``, ``invalid_category``, ``invalid_finish``,
    ``invalid_intensity`` (400, nothing stored); ``no_face``, ``face_index_out_of_range`` (the job fails;
    422 when waited for).
    """

    serializer_class = PreviewSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):  # type: ignore[override]
        return selectors.visible_previews(self.request.user)

    @extend_schema(responses={200: PreviewSerializer(many=True), 401: ErrorSerializer}, tags=TAGS,
                   examples=examples.PREVIEW_LIST)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request={"application/json": PreviewRequestSerializer,
                            "multipart/form-data": PreviewRequestSerializer},
                   parameters=[WAIT_PARAMETER, IDEMPOTENCY_HEADER],
                   responses={200: JobSerializer, 202: JobSerializer, 400: ErrorSerializer, 404: ErrorSerializer,
                              413: ErrorSerializer, 422: ErrorSerializer}, tags=TAGS,
                   examples=examples.PREVIEW_CREATE)
    def post(self, request: Request) -> Response:
        body = PreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        source, reference = PreviewRequestSerializer.sources(data)
        job = start_preview(user=request.user, source=source, items=data.get("items"),
                            combine=data["combine"], reference=reference, method=data["method"],
                            idempotency_key=idempotency_key(request))
        return recognition_job_response(request, job)


class PreviewDetailApi(APIView):
    """One of your previews with its image URLs and measured region colours. DELETE removes it and its files."""

    @extend_schema(responses={200: PreviewSerializer, 404: ErrorSerializer}, tags=TAGS,
                   examples=examples.PREVIEW_DETAIL)
    def get(self, request: Request, preview_id: str) -> Response:
        return Response(PreviewSerializer(selectors.get_preview(user=request.user, preview_id=preview_id)).data)

    @extend_schema(responses={204: None, 404: ErrorSerializer}, tags=TAGS, examples=examples.PREVIEW_DELETE)
    def delete(self, request: Request, preview_id: str) -> Response:
        delete_preview(preview=selectors.get_preview(user=request.user, preview_id=preview_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PreviewImageApi(JpegApiView):
    """The rendered JPEG (owner only; anyone else gets 404)."""

    @extend_schema(responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
                              (404, "application/json"): ErrorSerializer}, tags=TAGS, examples=examples.PREVIEW_IMAGE)
    def get(self, request: Request, preview_id: str, index: int) -> FileResponse:
        image = selectors.get_preview_image(user=request.user, preview_id=preview_id, index=index)
        response = FileResponse(image.file.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response
