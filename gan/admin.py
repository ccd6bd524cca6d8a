from django.contrib import admin

from gan.models import Preview, PreviewImage


class PreviewImageInline(admin.TabularInline):
    model = PreviewImage
    extra = 0
    readonly_fields = ("index", "item", "product", "region_colours")
    exclude = ("file",)  # face images are not shown in the admin


@admin.register(Preview)
class PreviewAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "method", "created_at", "expires_at")
    list_filter = ("method",)
    readonly_fields = ("owner", "photo", "reference_photo", "job", "items", "model_version", "created_at")
    inlines = [PreviewImageInline]
