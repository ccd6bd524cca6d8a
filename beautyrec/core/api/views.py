from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beautyrec.core import health
from beautyrec.core.api import schema_examples as examples
from beautyrec.core.api.serializers import (
    ErrorSerializer,
    HealthSerializer,
    JobSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from beautyrec.core.errors import ServiceError
from beautyrec.core.selectors import get_job_for, jobs_visible_to

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer}


class JobListApi(generics.ListAPIView):
    """Your jobs, newest first (staff see everyone's)."""

    serializer_class = JobSerializer

    def get_queryset(self):  # type: ignore[override]
        return jobs_visible_to(self.request.user)

    @extend_schema(responses={200: JobSerializer(many=True), 401: ErrorSerializer}, tags=["jobs"],
                   examples=examples.JOB_LIST)
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class JobDetailApi(APIView):
    """One job: status, progress 0-100 with its stage, result or error. Owner or staff only."""

    @extend_schema(responses={200: JobSerializer, **ERRORS}, tags=["jobs"], examples=examples.JOB_DETAIL)
    def get(self, request: Request, job_id: str) -> Response:
        return Response(JobSerializer(get_job_for(request.user, job_id)).data)


class HealthApi(APIView):
    """Readiness of the database, the broker and the model files: 200 when all are good, else 503."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer}, tags=["health"],
                   examples=examples.HEALTH)
    def get(self, request: Request) -> Response:
        report = health.readiness()
        return Response(report, status=status.HTTP_200_OK if report["ok"] else status.HTTP_503_SERVICE_UNAVAILABLE)


class TokenApi(APIView):
    """Exchange a username and password for the API token to send as `Authorization: Token <key>`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer, 400: ErrorSerializer},
                   tags=["auth"], auth=[], examples=examples.TOKEN)
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(request, **body.validated_data)
        if user is None or not user.is_active:
            raise ServiceError("Wrong username or password.", code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "username": user.get_username(), "is_staff": user.is_staff})
