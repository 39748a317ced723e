"""Settings shared by every environment; what an operator may change comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .environment import data_dir, database_config, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = data_dir()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
# Former keys, comma-separated: links signed with them (confirm and unsubscribe links in
# emails) keep working after SECRET_KEY is rotated.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "undersigned.site",
    "undersigned.news",
    "undersigned.petitions",
    "undersigned.places",
    "undersigned.contact",
    "undersigned.supporters",
    "undersigned.handin",
    "undersigned.abuse",
    "undersigned.osdi",
    "undersigned.demo",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "undersigned.site.security.ContentSecurityPolicyMiddleware",
    # Before anything reads a POST's body: a form not in UTF-8 gets the 400 page.
    "undersigned.site.form_encoding.FormEncodingMiddleware",
    # Early, so that a copy of a public page skips everything below (see its docstring).
    "undersigned.speed.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # LocaleMiddleware goes here when the site has more than one language (see LANGUAGES).
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "undersigned.speed.routing.PageRouteCacheMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes refuses sign-ins after too many failures, before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "undersigned.config.urls"
WSGI_APPLICATION = "undersigned.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {"default": database_config(DATA_DIR / "undersigned.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "undersigned",
        }
    }
else:
    # A per-process cache is enough for what we cache (short-lived copies of
    # numbers that live in the database); shared state never lives here.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
if len(LANGUAGES) > 1:
    # Picks each visitor's language. With one language it would only cost a little on every
    # request and add "Vary: Accept-Language" to every response, splitting shared caches.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.common.CommonMiddleware"),
        "django.middleware.locale.LocaleMiddleware",
    )
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# A sign form is a few hundred bytes; anything near this limit is not a person signing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
CSRF_FAILURE_VIEW = "undersigned.site.views.csrf_failure"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Undersigned <noreply@localhost>")

WAGTAIL_SITE_NAME = env_str("SITE_NAME", "Undersigned")
WAGTAILADMIN_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "txt"]

# How many reverse proxies sit in front of the app servers; their X-Forwarded-For
# entries are trusted to find the client address used for the keyed IP hash.
UNDERSIGNED_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Key for the HMAC of client IP addresses: a separate secret lets it rotate on its own.
UNDERSIGNED_IP_HASH_KEY = env_str("IP_HASH_KEY")
# Serve uploads from the app itself (fine for one machine; a CDN or web server is better at scale).
UNDERSIGNED_SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# How long a cached signature count may be shown before it is counted again.
UNDERSIGNED_COUNT_CACHE_SECONDS = env_int("COUNT_CACHE_SECONDS", 2)
# How long the support breakdown (signatures by ward and constituency, the map) is reused.
UNDERSIGNED_BREAKDOWN_CACHE_SECONDS = env_int("BREAKDOWN_CACHE_SECONDS", 30)
# How long a public page's HTML is reused for visitors who are not signed in (0: never).
UNDERSIGNED_PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 2)
# Take correct sign-form POSTs in front of Django's request handling (undersigned.petitions.
# sign_fast_path); off sends every one through Django, as any other request.
UNDERSIGNED_SIGN_FAST_PATH = env_bool("SIGN_FAST_PATH", True)
# How long the site and page a host name and path lead to are remembered (0: never).
UNDERSIGNED_ROUTE_CACHE_SECONDS = env_int("ROUTE_CACHE_SECONDS", 10)
# Open data (/petitions.json, .csv, /petitions/<slug>.json): petitions per page, and how long
# browsers and CDNs may reuse an answer, then serve it stale while they fetch it again.
UNDERSIGNED_OPEN_DATA_PAGE_SIZE = env_int("OPEN_DATA_PAGE_SIZE", 50)
UNDERSIGNED_OPEN_DATA_MAX_AGE = env_int("OPEN_DATA_MAX_AGE", 10)
UNDERSIGNED_OPEN_DATA_STALE_SECONDS = env_int("OPEN_DATA_STALE_SECONDS", 60)
# Updates to signers: how many emails a minute the mail server takes from us, and how many
# go out in one background task (batches are spread out in time to keep to the rate).
UNDERSIGNED_EMAIL_RATE_PER_MINUTE = env_int("EMAIL_RATE_PER_MINUTE", 300)
UNDERSIGNED_EMAIL_BATCH_SIZE = env_int("EMAIL_BATCH_SIZE", 50)
# Paper signatures typed up in a file: the largest file (bytes) and the most rows taken at once.
UNDERSIGNED_PAPER_MAX_UPLOAD_BYTES = env_int("PAPER_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
UNDERSIGNED_PAPER_MAX_ROWS = env_int("PAPER_MAX_ROWS", 10_000)
# The OSDI API: requests one key may make a minute (beyond them: 429 with Retry-After).
UNDERSIGNED_OSDI_REQUESTS_PER_MINUTE = env_int("OSDI_REQUESTS_PER_MINUTE", 120)
# Tasks that keep themselves scheduled, started by every background worker as it starts
# (undersigned.site.periodic): each is a function that queues its task unless a run waits.
UNDERSIGNED_PERIODIC_TASKS = [
    "undersigned.petitions.tasks.petitions_publish_scheduled_schedule",
    "undersigned.petitions.tasks.paper_uploads_expire_schedule",
    "undersigned.supporters.retention_tasks.signatures_anonymise_expired_schedule",
    "undersigned.supporters.confirmation_tasks.supporters_lapse_unconfirmed_schedule",
]

# Admin sign-in throttling (django-axes, failures kept in the database so that every app
# server sees them). Counted per username *and* address: by username alone anyone could lock
# an organiser out from anywhere, by address alone one wrong password per volunteer would
# lock out a whole office or community centre behind one address. Five tries leave room for
# a mistyped password; the cool-off (extended by each try during it) limits a guesser to a
# few hundred passwords a day per address.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "undersigned.site.http.client_ip"
AXES_LOCKOUT_CALLABLE = "undersigned.site.security.login_lockout_response"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Wagtail logs every page edit at INFO; the admin's history already records them.
    "loggers": {
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
