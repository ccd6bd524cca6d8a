"""Catalogue admin: shade swatches, filters, bulk (de)activation and catalogue-file import through the same
job as the API (``start_catalog_import``), so admin imports are validated and all-or-nothing as well."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from beautyrec.core.errors import ServiceError
from beautyrec.core.models import Job
from beautyrec.recommender.models import CatalogImport, Interaction, Product
from beautyrec.recommender.services.imports import start_catalog_import


class CatalogImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with a header row, or JSON: a list of product objects (see README).")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["swatch", "brand", "name", "shade_name", "category", "undertone", "finish", "price",
                    "is_active"]
    list_filter = ["category", "undertone", "is_active", "finish", "brand"]
    search_fields = ["sku", "brand", "name", "shade_name"]
    actions = ["activate", "deactivate"]
    change_list_template = "admin/recommender/product/change_list.html"

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

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [path("import/", self.admin_site.admin_view(self.import_view), name="recommender_product_import"),
                *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a catalogue file; the import job runs on the cpu queue and the job page shows its outcome."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = CatalogImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job, _ = start_catalog_import(user=request.user, upload=form.cleaned_data["file"])
            except ServiceError as exc:
                form.add_error("file", f"{exc.message} ({exc.code})")
            else:
                job.refresh_from_db()
                job_link = reverse("admin:core_job_change", args=[job.pk])
                if job.status == Job.Status.SUCCEEDED:
                    result = job.result or {}
                    self.message_user(request, f"Imported: {result.get('created', 0)} created, "
                                               f"{result.get('updated', 0)} updated.")
                elif job.status == Job.Status.FAILED:
                    self.message_user(request, f"The import failed ({job.error_code}): {job.error_message}",
                                      messages.ERROR)
                    return HttpResponseRedirect(job_link)
                else:
                    self.message_user(request, f"Import job {job.pk} queued; its page shows the progress.")
                    return HttpResponseRedirect(job_link)
                return HttpResponseRedirect(reverse("admin:recommender_product_changelist"))
        return TemplateResponse(request, "admin/recommender/product/import.html", {
            **self.admin_site.each_context(request), "title": "Import a catalogue file", "form": form,
            "opts": self.model._meta,
        })


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
