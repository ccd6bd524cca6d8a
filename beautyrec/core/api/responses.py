"""Answering with a Job: shared by every endpoint that starts asynchronous work."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from beautyrec.core.api.serializers import JobSerializer
from beautyrec.core.jobs import wait_for_job
from beautyrec.core.models import Job

WAIT_PARAMETER = OpenApiParameter(
    "wait", OpenApiTypes.FLOAT, OpenApiParameter.QUERY, required=False,
    description="Seconds to wait for the job to finish before answering (capped by the server). "
                "A finished job comes back with status 200 and its result; otherwise 202.",
)
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Repeat a request with the same key to get the same job instead of a second one.",
)


class WaitQuerySerializer(serializers.Serializer):
    wait = serializers.FloatField(required=False, min_value=0, default=0)


def wait_seconds(request: Request) -> float:
    query = WaitQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return min(query.validated_data["wait"], settings.JOB_WAIT_MAX_SECONDS)


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 128:
        raise serializers.ValidationError({"Idempotency-Key": ["At most 128 characters."]})
    return key or None


class JobRequestMixin:
    """For views that start jobs: ``?wait=`` and ``Idempotency-Key`` are checked before the view runs, so a bad
    one is refused with 400 before any photo or job is stored (not after, when the job already exists)."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method == "POST":
            wait_seconds(request)
            idempotency_key(request)


def job_response(request: Request, job: Job) -> Response:
    """200 with the finished job, or 202 with a Location to poll."""
    job = wait_for_job(job, wait_seconds(request))
    body = JobSerializer(job).data
    code = status.HTTP_200_OK if job.is_finished else status.HTTP_202_ACCEPTED
    return Response(body, status=code, headers={"Location": body["url"]})
