"""Makeup and style previews: the product try-on renderer and the reference-look GAN."""
from django.apps import AppConfig


class GanConfig(AppConfig):
    name = "gan"
    verbose_name = "Previews: try-on renderer and makeup GAN"

    def ready(self) -> None:
        from beautyrec.core.signals import erasing_biometrics
        from gan.receivers import erase_previews

        erasing_biometrics.connect(erase_previews, dispatch_uid="gan.erase_previews")
