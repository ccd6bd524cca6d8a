from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from beautyrec.recommender.models import Category, Product, Undertone


@extend_schema_serializer(examples=[OpenApiExample("Foundation shade", response_only=True, value={
    "id": 41, "sku": "fdn-3f0c2a9e1b7d", "brand": "Anastasia Beverly Hills", "name": "Luminous Foundation",
    "category": "foundation", "shade_name": "355N", "shade_hex": "#a06f4a",
    "shade_lab": [51.08, 15.13, 28.27], "finish": "", "undertone": "neutral", "coverage": "", "price": None,
    "currency": "", "tags": ["demo"], "image_url": "",
})])
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
