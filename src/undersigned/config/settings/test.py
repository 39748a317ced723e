"""Settings for the test suite: fast hashing, tasks run at once, email kept in memory."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.gettempdir()) / "undersigned-test-media"
# Static files come from the apps through the finders; an existing root keeps whitenoise quiet.
STATIC_ROOT = Path(tempfile.gettempdir()) / "undersigned-test-static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
UNDERSIGNED_COUNT_CACHE_SECONDS = 0
UNDERSIGNED_PAGE_CACHE_SECONDS = 0  # tests/speed/test_page_cache.py turns it on
# Remembered routes outlive a test's rolled-back pages (SQLite reuses their ids): off, and
# tests/speed/test_routing.py turns them on.
UNDERSIGNED_ROUTE_CACHE_SECONDS = 0
UNDERSIGNED_EMAIL_RATE_PER_MINUTE = 6_000_000  # no waiting between emails in tests
WAGTAILADMIN_BASE_URL = "http://testserver"
# django-axes needs the request to count a sign-in, which the test client's login() does not
# pass; as axes' documentation suggests, it is off here and tests/site/test_security.py
# switches it on to prove the throttling.
AXES_ENABLED = False

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    # Runs side by side (several developers on one machine) each get their own database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_undersigned_{os.getpid()}"}  # noqa: F405
else:
    # A file, not memory, so that tests see SQLite's real locking (WAL, busy timeout)
    # and threads and live servers share the database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        # One file per test run, so that runs side by side do not share it.
        "NAME": str(Path(tempfile.gettempdir()) / f"undersigned-test-{os.getpid()}.sqlite3")
    }
