from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WebConfig(AppConfig):
    """The demo web client at ``/`` and the staff dashboard; neither holds data of its own."""

    default = True
    name = "beautyrec.web"
    label = "web"


class BeautyrecAdminConfig(admin_apps.AdminConfig):
    """The admin with beautyrec's site (adds the dashboard page); replaces ``django.contrib.admin``."""

    default = False
    default_site = "beautyrec.web.admin_site.BeautyrecAdminSite"
