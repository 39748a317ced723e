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

# The console shows requests, emails and anything that goes wrong; everything else (the task
# worker writes a line per task, hundreds while the first run builds the search index) goes
# to a log file in the data folder.
UNDERSIGNED_DEMO_LOG = DATA_DIR / "undersigned.log"  # noqa: F405
LOGGING = {
    **LOGGING,  # noqa: F405
    "handlers": {
        "console": {"class": "logging.StreamHandler", "level": "WARNING"},
        "file": {"class": "logging.FileHandler", "filename": UNDERSIGNED_DEMO_LOG, "delay": True},
    },
    "root": {**LOGGING["root"], "handlers": ["console", "file"]},  # noqa: F405
}
