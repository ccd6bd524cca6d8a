import json
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from beautyrec.core.api.serializers import RejectUnknownFieldsMixin
from gan.models import Preview
from gan.services.previews import METHODS, image_payload
from recognition.services.jobs import ImageInput


@extend_schema_field({"type": "array", "items": {"type": "object"}})
class ItemsField(serializers.Field):
    """A list of item objects; multipart forms may send it as one JSON string."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise serializers.ValidationError("items must be a JSON list of objects.") from exc
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_serializer(examples=[
    OpenApiExample("Three products on a stored photo", value={
        "photo_id": "0b4f9d2e-1c1f-4c8e-9a57-2f1f6f7f1a01",
        "items": [{"product": 17}, {"product": 42, "intensity": 0.7},
                  {"category": "lipstick", "shade": "#aa3344", "finish": "matte", "intensity": 0.8}],
        "combine": False,
    }, request_only=True),
    OpenApiExample("A reference look through the GAN", value={
        "photo_id": "0b4f9d2e-1c1f-4c8e-9a57-2f1f6f7f1a01",
        "reference_photo_id": "9a0e7c55-3e0b-4a0c-8f7e-0c6f0a9e2b77", "method": "gan",
    }, request_only=True),
])
class PreviewRequestSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    image = serializers.FileField(required=False, help_text="Upload the photo now (or send photo_id).")
    photo_id = serializers.UUIDField(required=False, help_text="One of your stored photos.")
    face_index = serializers.IntegerField(required=False, min_value=0, max_value=255,
                                          help_text="Which face (0 = largest, the default).")
    items = ItemsField(required=False, help_text='[{"product": id, "intensity"?} or {"category", "shade": '
                                                  '"#rrggbb", "finish"?, "intensity"?, "coverage"?}]')
    combine = serializers.BooleanField(required=False, default=False,
                                       help_text="One image wearing all items instead of one image per item.")
    reference_image = serializers.FileField(required=False)
    reference_photo_id = serializers.UUIDField(required=False)
    reference_face_index = serializers.IntegerField(required=False, min_value=0, max_value=255)
    method = serializers.ChoiceField(choices=list(METHODS), required=False, default="gan")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("image" in attrs) == ("photo_id" in attrs):
            raise serializers.ValidationError({"image": ["Send exactly one of image and photo_id."]})
        references = ("reference_image" in attrs) + ("reference_photo_id" in attrs)
        if references > 1:
            raise serializers.ValidationError({"reference_image": ["Send at most one of reference_image and "
                                                                   "reference_photo_id."]})
        if ("items" in attrs) == bool(references):
            raise serializers.ValidationError({"items": ["Send either items or a reference photo."]})
        return attrs

    @staticmethod
    def sources(attrs: dict[str, Any]) -> tuple[ImageInput, ImageInput | None]:
        source = ImageInput(image=attrs.get("image"), photo_id=attrs.get("photo_id"),
                            face_index=attrs.get("face_index"))
        if "reference_image" not in attrs and "reference_photo_id" not in attrs:
            return source, None
        return source, ImageInput(image=attrs.get("reference_image"), photo_id=attrs.get("reference_photo_id"),
                                  face_index=attrs.get("reference_face_index"))


class PreviewImageSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    item = serializers.JSONField(allow_null=True)
    product = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()
    region_colours = serializers.JSONField()


class PreviewSerializer(serializers.ModelSerializer):
    photo_id = serializers.UUIDField(read_only=True)
    reference_photo_id = serializers.UUIDField(read_only=True, allow_null=True)
    job_id = serializers.UUIDField(read_only=True, allow_null=True)
    images = serializers.SerializerMethodField()

    class Meta:
        model = Preview
        fields = ["id", "method", "photo_id", "face_index", "reference_photo_id", "items", "combine",
                  "model_version", "job_id", "images", "created_at", "expires_at"]
        read_only_fields = fields

    @extend_schema_field(PreviewImageSerializer(many=True))
    def get_images(self, preview: Preview) -> list[dict[str, Any]]:
        return [image_payload(img) for img in preview.images.all()]
