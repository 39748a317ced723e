"""Production settings: everything from the environment, secure by default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .environment import env_bool, env_int, env_str

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment, e.g. "
        "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

# HTTPS=false (the demo, on http://127.0.0.1) turns off everything that needs HTTPS: secure-only
# cookies would never be sent back and HSTS would pin the browser to a scheme we do not serve.
HTTPS = env_bool("HTTPS", True)
# `undersigned serve` speaks plain HTTP, so with HTTPS on a proxy or load balancer in front ends
# TLS and says so in X-Forwarded-Proto (which it must set, replacing any the client sent).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if HTTPS else 0
# Subdomains of the site's own host name (petition.example.org), rarely any; preloading is
# for whoever owns the whole domain to decide (and submit to hstspreload.org).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # "You have not set SECURE_HSTS_PRELOAD": a choice, not a fault; check-deploy stays quiet.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# How many machines run `undersigned serve` against this database: only the deployment
# checks (`undersigned check-deploy`) read it, to say what several servers must share.
UNDERSIGNED_APP_SERVERS = env_int("APP_SERVERS", 1)
# Hand-in packs (private: names and addresses); default <data folder>/private. With several
# app servers, a folder on storage they share, outside MEDIA_ROOT.
UNDERSIGNED_PRIVATE_ROOT = env_str("PRIVATE_ROOT") or None
