"""The Celery application. Workers are started per queue (see README): ``gpu`` for models, ``cpu`` for the rest."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")

app = Celery("beautyrec")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
