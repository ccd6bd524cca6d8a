"""The staff admin site: Django's admin plus a dashboard page (``/admin/dashboard/``)."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone

from beautyrec.web.dashboard import dashboard_figures


class BeautyrecAdminSite(admin.AdminSite):
    site_header = "beautyrec staff admin"
    site_title = "beautyrec admin"
    index_title = "Service administration"
    index_template = "admin/beautyrec_index.html"

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [path("dashboard/", self.admin_view(self.dashboard), name="dashboard"), *super().get_urls()]

    def dashboard(self, request: HttpRequest) -> HttpResponse:
        context = {**self.each_context(request), "title": "Dashboard",
                   "figures": dashboard_figures(now=timezone.now())}
        return TemplateResponse(request, "admin/dashboard.html", context)
