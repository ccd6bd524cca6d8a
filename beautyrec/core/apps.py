from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "beautyrec.core"
    label = "core"
    verbose_name = "Core: jobs and model versions"
