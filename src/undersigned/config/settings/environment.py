"""Reading settings from the environment, with the data folder and database defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """The folder holding the SQLite database, uploads and generated secrets."""
    path = Path(env_str("UNDERSIGNED_DATA_DIR", "data")).expanduser().resolve()
    return path


# SQLite tuned for a web server: WAL lets readers work while one writer commits,
# IMMEDIATE transactions take the write lock up front so that concurrent writers wait
# (busy timeout) instead of failing with "database is locked" half-way through.
SQLITE_INIT_COMMAND = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA cache_size=-20000;"
)


def database_config(default_sqlite_path: Path) -> dict[str, Any]:
    """``DATABASES['default']`` from ``DATABASE_URL``, or the SQLite file in the data folder."""
    url = env_str("DATABASE_URL")
    if not url:
        default_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{default_sqlite_path}"
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0 if config["NAME"] == ":memory:" else config["CONN_MAX_AGE"]
        config["OPTIONS"] = {
            "init_command": SQLITE_INIT_COMMAND,
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with a health check that needs no round trip.
        config["ENGINE"] = "undersigned.speed.postgresql"
        config["CONN_HEALTH_CHECKS"] = True
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config
