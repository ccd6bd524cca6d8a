from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from beautyrec.core.errors import InvalidInput
from beautyrec.core.models import Job

# Sent by Django's own HTML forms (session-authenticated browsable API); never a field of ours.
FORM_NOISE = frozenset({"csrfmiddlewaretoken"})


class RejectUnknownFieldsMixin:
    """Input serializers refuse fields they do not know (400 ``unknown_field``) instead of ignoring them.

    A misspelt option (``consnet``, ``top-k``) silently ignored would run the request with defaults the client
    did not ask for; naming it is the useful answer. Read-only fields count as known, so a client may send
    back an object it read.
    """

    def to_internal_value(self, data: Any) -> Any:
        # Here rather than in is_valid so that it also holds for each item of a list (many=True) body.
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields) - FORM_NOISE)  # type: ignore[attr-defined]
            if unknown:
                raise InvalidInput(f"Unknown field(s): {', '.join(unknown)}.", code="unknown_field",
                                   details={"fields": unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    message = serializers.CharField()
    details = serializers.JSONField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx/5xx response."""

    error = ErrorDetailSerializer()


class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "progress", "stage", "result", "error", "created_at", "started_at",
                  "finished_at", "url"]
        read_only_fields = fields

    @extend_schema_field(JobErrorSerializer(allow_null=True))
    def get_error(self, job: Job) -> dict[str, str] | None:
        if job.status != Job.Status.FAILED:
            return None
        return {"code": job.error_code, "message": job.error_message}

    def get_url(self, job: Job) -> str:
        return f"/api/v1/jobs/{job.pk}/"


class HealthSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checks = serializers.JSONField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
