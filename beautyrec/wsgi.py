"""WSGI entry point (gunicorn beautyrec.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautyrec.settings")
application = get_wsgi_application()
