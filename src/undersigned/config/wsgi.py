"""WSGI entry point used by gunicorn (``undersigned serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.config.settings.production")

application = get_wsgi_application()
