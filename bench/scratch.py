"""A bench run's scratch space: a temporary data folder and a database of its own.

SQLite in that folder by default; given the address of a PostgreSQL server, a new database on
it, dropped afterwards. The settings the project reads (data folder, database, the
development settings, quiet logging, no shared cache) are written into the environment
given: ``os.environ`` for a bench that sets Django up in its own process, a copy of it for
one that starts child processes. ``bench_petition`` makes the open petition most benches sign.
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


def bench_petition(
    *,
    title: str = "Keep Northfield Library open",
    slug: str = "keep-northfield-library-open",
    **fields,
):
    """An open petition for a bench, in the petitions section (made if there is none yet).
    Call after ``django.setup()``; ``fields`` add to or replace the defaults."""
    from wagtail.models import Page  # the models need Django set up, which the bench does first

    from undersigned.petitions.models import PetitionIndexPage, PetitionPage

    index = PetitionIndexPage.objects.first()
    if index is None:
        index = Page.get_first_root_node().add_child(
            instance=PetitionIndexPage(title="Petitions", slug="petitions")
        )
    petition = PetitionPage(
        **{
            "title": title,
            "slug": slug,
            "summary": "The council plans to close our library.",
            "story": "<p>Hundreds of families use it every week.</p>",
            "statement": (
                "We, the undersigned, call on Example Borough Council to keep the library open."
            ),
            "target": "Example Borough Council",
            "organiser_name": "Northfield Residents",
            "state": "open",
            **fields,
        }
    )
    index.add_child(instance=petition)
    return petition
