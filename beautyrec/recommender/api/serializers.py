from rest_framework import serializers

from beautyrec.recommender.models import Category, Product, Undertone


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
