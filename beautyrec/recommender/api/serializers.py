from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from beautyrec.core.api.serializers import RejectUnknownFieldsMixin
from beautyrec.recommender.models import Category, Interaction, InteractionKind, Product, Undertone

# A client clock this far ahead is tolerated; further is a bad timestamp.
MAX_CLOCK_SKEW = timedelta(minutes=10)


class ProductSerializer(serializers.ModelSerializer):
    shade_lab = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "sku", "brand", "name", "category", "shade_name", "shade_hex", "shade_lab", "finish",
                  "undertone", "coverage", "price", "currency", "tags", "image_url"]

    def get_shade_lab(self, product: Product) -> list[float] | None:
        if product.shade_l is None:
            return None
        return [round(product.shade_l, 2), round(product.shade_a, 2), round(product.shade_b, 2)]


class ProductFilterSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    brand = serializers.CharField(required=False, max_length=120)
    undertone = serializers.ChoiceField(choices=Undertone.choices, required=False)


class CatalogImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (header row) or .json catalogue file.")


@extend_schema_serializer(examples=[
    OpenApiExample("A rating", request_only=True, value={
        "product": 41, "kind": "rating", "value": 5, "client_event_id": "web-7f3a-0001",
        "timestamp": "2026-05-01T10:15:00Z"}),
    OpenApiExample("A try-on", request_only=True, value={
        "product": 41, "kind": "try_on", "preview": "0b8f4a52-64c4-4b47-9a65-2d0f1f3c9e10",
        "client_event_id": "web-7f3a-0002"}),
])
class InteractionInSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    kind = serializers.ChoiceField(choices=InteractionKind.choices)
    value = serializers.FloatField(required=False, allow_null=True, min_value=1.0, max_value=5.0)
    preview = serializers.UUIDField(required=False, allow_null=True)
    client_event_id = serializers.CharField(max_length=64, min_length=1)
    timestamp = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind, value = attrs["kind"], attrs.get("value")
        if kind == InteractionKind.RATING and value is None:
            raise serializers.ValidationError({"value": "A rating needs a value from 1 to 5."})
        if kind != InteractionKind.RATING and value is not None:
            raise serializers.ValidationError({"value": "Only a rating has a value."})
        if kind != InteractionKind.TRY_ON and attrs.get("preview") is not None:
            raise serializers.ValidationError({"preview": "Only a try_on refers to a preview."})
        stamp = attrs.get("timestamp")
        if stamp is not None and stamp > timezone.now() + MAX_CLOCK_SKEW:
            raise serializers.ValidationError({"timestamp": "The timestamp is in the future."})
        return attrs


class InteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interaction
        fields = ["id", "product", "kind", "value", "preview", "client_event_id", "timestamp", "created_at"]


@extend_schema_serializer(examples=[OpenApiExample("Stored", response_only=True,
                                                   value={"created": 2, "duplicates": 1})])
class InteractionResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()


class RecommendationSerializer(serializers.Serializer):
    product = ProductSerializer()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(examples=[OpenApiExample("Cold start with a selfie", response_only=True, value={
    "profile": {"face_id": 12, "photo_id": "9b2f0d4e-8a51-4f7e-bb8e-1c2d3e4f5a6b", "skin_lab": [52.3, 14.1, 24.8],
                "skin_hex": "#a1734f", "ita": 5.2, "monk": 6, "undertone": "warm", "face_shape": "oval",
                "age_band": "30-39", "lip_lab": [45.2, 28.4, 14.0], "lip_hex": "#9c5a5a", "depth": "medium",
                "cohort": "medium warm"},
    "model_version": "prior",
    "results": [{"product": {"id": 41, "sku": "fdn-3f0c2a9e1b7d", "brand": "Anastasia Beverly Hills",
                             "name": "Luminous Foundation", "category": "foundation", "shade_name": "355N",
                             "shade_hex": "#a06f4a", "shade_lab": [51.08, 15.13, 28.27], "finish": "dewy",
                             "undertone": "neutral", "coverage": "", "price": "36.99", "currency": "USD", "tags": [],
                             "image_url": ""},
                 "score": 0.8123, "reasons": ["shade within dE 1.8 of your skin"]}],
    "query": None,
})])
class RecommendationsSerializer(serializers.Serializer):
    profile = serializers.DictField(allow_null=True, help_text="The face profile used, or null without a selfie.")
    model_version = serializers.CharField()
    results = RecommendationSerializer(many=True)
    query = serializers.DictField(allow_null=True, help_text=(
        "With ?q=: the query as understood: `constraints` applied (category, colour_family, finish, undertone, "
        "coverage, price, brand), `words` (phrase -> constraint), `free_text` (ranked by BM25), `unmatched_words`, "
        "`dropped` (constraint, value, words, reason `contradiction` or `no_match`) and `matching_products`; "
        "null without a query."))
