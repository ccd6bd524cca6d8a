from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from beautyrec.recommender.models import CatalogImport, Interaction, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["swatch", "brand", "name", "shade_name", "category", "undertone", "finish", "price",
                    "is_active"]
    list_filter = ["category", "undertone", "is_active", "finish", "brand"]
    search_fields = ["sku", "brand", "name", "shade_name"]
    actions = ["activate", "deactivate"]

    @admin.display(description="shade")
    def swatch(self, product: Product) -> str:
        if not product.shade_hex:
            return ""
        return format_html('<span style="display:inline-block;width:28px;height:18px;border:1px solid #888;'
                           'background:{}" title="{}"></span>', product.shade_hex, product.shade_hex)

    @admin.action(description="Activate the selected products")
    def activate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = queryset.update(is_active=True, updated_at=timezone.now())
        self.message_user(request, f"{count} product(s) activated.")

    @admin.action(description="Deactivate the selected products")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = queryset.update(is_active=False, updated_at=timezone.now())
        self.message_user(request, f"{count} product(s) deactivated.")


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "uploaded_by", "created_at"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "user", "kind", "value", "product", "client_event_id"]
    list_filter = ["kind"]
    search_fields = ["client_event_id", "user__username", "product__sku"]
    raw_id_fields = ["user", "product"]
    date_hierarchy = "timestamp"
