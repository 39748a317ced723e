"""Settings for ``undersigned demo``: production code paths on plain HTTP on this machine."""

import os

from .environment import data_dir, env_str

if not os.environ.get("SECRET_KEY"):
    from undersigned.config.secrets import persistent_secret

    os.environ["SECRET_KEY"] = persistent_secret(data_dir() / "secret_key")
os.environ.setdefault("HTTPS", "false")

from .production import *  # noqa: F403

UNDERSIGNED_DEMO = True
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
