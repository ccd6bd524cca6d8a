from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from beautyrec.core.api.serializers import RejectUnknownFieldsMixin
from recognition.models import Photo, Subject
from recognition.services.analysis import face_payload
from recognition.services.jobs import ImageInput

MAX_TOP_K = 50


class ImageSourceSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """An image as a new upload (``image``) or one of your stored photos (``photo_id``), and which face."""

    image = serializers.FileField(required=False, help_text="JPEG, PNG, WebP, HEIC... (EXIF orientation applied)")
    photo_id = serializers.UUIDField(required=False, help_text="A photo you uploaded before (from analyze).")
    face_index = serializers.IntegerField(required=False, min_value=0, max_value=255,
                                          help_text="Which face (0 = largest, the default).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("image" in attrs) == ("photo_id" in attrs):
            raise serializers.ValidationError({"image": ["Send exactly one of image and photo_id."]})
        return attrs

    @staticmethod
    def source(attrs: dict[str, Any], suffix: str = "") -> ImageInput:
        return ImageInput(image=attrs.get(f"image{suffix}"), photo_id=attrs.get(f"photo_id{suffix}"),
                          face_index=attrs.get(f"face_index{suffix}"))


class AnalyzeSerializer(ImageSourceSerializer):
    pass


class EnrollSerializer(ImageSourceSerializer):
    pass


class VerifySerializer(ImageSourceSerializer):
    """The probe (``image``/``photo_id``) against a subject or a second image (``image2``/``photo_id2``)."""

    subject_id = serializers.UUIDField(required=False)
    image2 = serializers.FileField(required=False)
    photo_id2 = serializers.UUIDField(required=False)
    face_index2 = serializers.IntegerField(required=False, min_value=0, max_value=255)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        targets = sum(key in attrs for key in ("subject_id", "image2", "photo_id2"))
        if targets != 1:
            raise serializers.ValidationError(
                {"subject_id": ["Send exactly one of subject_id, image2 and photo_id2 to compare with."]})
        return attrs


class IdentifySerializer(ImageSourceSerializer):
    top_k = serializers.IntegerField(required=False, default=5, min_value=1, max_value=MAX_TOP_K)
    scope = serializers.ChoiceField(choices=["own", "all"], default="own",
                                    help_text="own: your gallery; all: every owner's (staff or kiosk permission).")


class SubjectSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    user_id = serializers.PrimaryKeyRelatedField(source="user", queryset=get_user_model().objects.all(),
                                                 required=False, allow_null=True,
                                                 help_text="Link to a user account (your own, unless staff).")
    enrolled_faces = serializers.IntegerField(read_only=True, default=0)
    enrolled = serializers.SerializerMethodField()

    class Meta:
        model = Subject
        fields = ["id", "name", "user_id", "consent", "consent_at", "enrolled", "enrolled_faces", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "consent_at", "created_at", "updated_at"]

    def get_enrolled(self, subject: Subject) -> bool:
        """True when the subject is in the 1:N gallery (consent and at least one enrolled face)."""
        return subject.consent and subject.template is not None


class PhotoSerializer(serializers.ModelSerializer):
    faces = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "width", "height", "source_format", "analyzed_at", "face_count", "faces", "created_at"]
        read_only_fields = fields

    def get_faces(self, photo: Photo) -> list[dict[str, Any]]:
        return [face_payload(f) for f in photo.faces.order_by("index")]


class ErasureSerializer(serializers.Serializer):
    photos = serializers.IntegerField()
    faces = serializers.IntegerField()
    subjects = serializers.IntegerField()
    jobs = serializers.IntegerField()
