"""beautyrec: beauty and face-attribute recommendation service."""

from beautyrec.celery import app as celery_app

__all__ = ["celery_app"]
