"""A bench run's scratch space: a temporary data folder and a database of its own.

SQLite in that folder by default; given the address of a PostgreSQL server, a new database on
it, dropped afterwards. The settings the project reads (data folder, database, the
development settings, quiet logging, no shared cache) are written into the environment
given: ``os.environ`` for a bench that sets Django up in its own process, a copy of it for
one that starts child processes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Scratch:
    folder: Path
    engine: str  # "SQLite" or "PostgreSQL", for the figures printed


def postgres_database(url: str, name: str, *, create: bool) -> str:
    """Create (or drop) database ``name`` on the server at ``url``; its address."""
    import psycopg  # only benches run against PostgreSQL need it

    with psycopg.connect(url, autocommit=True) as connection:
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')
        else:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextmanager
def scratch(
    *,
    label: str,
    database_url: str | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> Iterator[Scratch]:
    """A fresh folder and database for one run, named after ``label``; gone afterwards."""
    environ = os.environ if environ is None else environ
    with tempfile.TemporaryDirectory(prefix=f"undersigned-bench-{label}-") as tmp:
        folder = Path(tmp)
        environ.update(
            UNDERSIGNED_DATA_DIR=str(folder),
            DJANGO_SETTINGS_MODULE="undersigned.config.settings.dev",
            LOG_LEVEL="WARNING",
        )
        environ.pop("REDIS_URL", None)
        name = f"undersigned_bench_{label}_{os.getpid()}"
        if database_url:
            environ["DATABASE_URL"] = postgres_database(database_url, name, create=True)
        else:
            environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        try:
            yield Scratch(folder=folder, engine="PostgreSQL" if database_url else "SQLite")
        finally:
            if database_url:
                # A bench that set Django up here holds connections the drop must not wait on.
                if "django.db" in sys.modules:
                    sys.modules["django.db"].connections.close_all()
                postgres_database(database_url, name, create=False)
