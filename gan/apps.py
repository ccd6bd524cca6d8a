from django.apps import AppConfig


class GanConfig(AppConfig):
    name = "gan"
    verbose_name = "Previews: try-on renderer and makeup GAN"
