"""WSGI entry point used by gunicorn (``undersigned serve``): Django, with sign-form POSTs
taken first by :class:`~undersigned.speed.sign_fast_path.SignFastPath` when it can."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.config.settings.production")

django_application = get_wsgi_application()

from undersigned.speed.sign_fast_path import SignFastPath  # noqa: E402 (after setup)

application = SignFastPath(django_application)
