"""Databases for the system tests, and what they hold after a run.

:class:`PrivatePostgres` is a PostgreSQL cluster of the test's own (initdb into a temporary
folder, its own port and socket folder), which a test may stop and restart without touching
the machine's shared server. :func:`stored_signatures` reads the signatures back with plain
SQL (sqlite3 or psycopg), and :func:`signature_problems` compares them with what the clients
were told.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.system.servers import Attempt, Outcome, free_port

SHARED_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
SHARED_REDIS = "redis://127.0.0.1:6379"


def services_required() -> bool:
    """CI sets this: a missing PostgreSQL or Redis fails the test instead of skipping it."""
    return os.environ.get("UNDERSIGNED_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    if services_required():
        pytest.fail(f"{reason} (UNDERSIGNED_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries installed (Debian keeps them out of PATH)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster, trust authentication, on 127.0.0.1 and a free port."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        # Under /tmp rather than pytest's folder, which the postgres user could not enter.
        self.folder = Path(tempfile.mkdtemp(prefix="undersigned-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, user="postgres", group="postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str, timeout: float = 60) -> None:
        finished = subprocess.run(
            [*self.as_owner, *command],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        assert finished.returncode == 0, (
            f"{' '.join(command)} failed:\n{finished.stdout}{finished.stderr}\n{log}"
        )

    def initialise(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "start",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "--options",
            options,
            "--wait",
            "--timeout",
            "60",
            timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "stop",
            "--pgdata",
            str(self.data),
            "--mode",
            mode,
            "--wait",
            "--timeout",
            "60",
            timeout=90,
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the cluster at once if it runs, and remove its folder."""
        if (self.data / "postmaster.pid").exists():
            pg_ctl = str(self.bin_dir / "pg_ctl")
            subprocess.run(
                [*self.as_owner, pg_ctl, "stop", "-D", str(self.data), "-m", "immediate", "-w"],
                cwd=self.folder,
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def shared_postgres_database_create(name: str) -> str:
    """A new database on the machine's PostgreSQL; skip (or fail in CI) if it is not there."""
    try:
        with psycopg.connect(SHARED_POSTGRES, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        skip_or_fail(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {error}")
    return shared_postgres_url(name)


def shared_postgres_url(name: str) -> str:
    return SHARED_POSTGRES.rsplit("/", 1)[0] + f"/{name}"


def shared_postgres_database_copy(*, template: str, name: str) -> str:
    """A new database on the machine's PostgreSQL, a copy of the database ``template``."""
    with psycopg.connect(SHARED_POSTGRES, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return shared_postgres_url(name)


def shared_postgres_database_drop(name: str) -> None:
    with psycopg.connect(SHARED_POSTGRES, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_copy(*, source_url: str, target_url: str, bin_dir: Path) -> None:
    """Copy one database into another (empty) one, across clusters: pg_dump | pg_restore."""
    dump = subprocess.Popen(
        [str(bin_dir / "pg_dump"), "--format=custom", "--no-owner", f"--dbname={source_url}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    restored = subprocess.run(
        [str(bin_dir / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={target_url}"],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dump.stdout is not None
    dump.stdout.close()
    dumped = dump.wait(timeout=60)
    dump_errors = dump.stderr.read().decode(errors="replace") if dump.stderr else ""
    assert dumped == 0, f"pg_dump failed:\n{dump_errors}"
    assert restored.returncode == 0, f"pg_restore failed:\n{restored.stderr}"


# What the database holds


@dataclass(frozen=True)
class StoredSignature:
    name: str
    email: str
    postcode: str
    state: str
    suspect_reason: str
    wants_updates: bool
    consent_text: str
    consent_version: str
    consented: bool
    consent_events: int


SIGNATURES_SQL = """
SELECT s.name, s.email, s.postcode, s.state, s.suspect_reason, s.wants_updates,
       s.consent_text, s.consent_version, s.consented_at IS NOT NULL,
       (SELECT COUNT(*) FROM supporters_consentevent c WHERE c.signature_id = s.id)
FROM petitions_signature s
"""


def sqlite_path(database_url: str) -> Path:
    assert database_url.startswith("sqlite:///"), database_url
    return Path(database_url.removeprefix("sqlite://"))


def stored_signatures(database_url: str) -> list[StoredSignature]:
    """Every signature row, read with plain SQL outside the servers."""
    if database_url.startswith("sqlite:"):
        with sqlite3.connect(sqlite_path(database_url)) as connection:
            rows = connection.execute(SIGNATURES_SQL).fetchall()
    else:
        with psycopg.connect(database_url, connect_timeout=5) as connection:
            rows = connection.execute(SIGNATURES_SQL).fetchall()
    return [
        StoredSignature(
            name=row[0],
            email=row[1],
            postcode=row[2],
            state=row[3],
            suspect_reason=row[4],
            wants_updates=bool(row[5]),
            consent_text=row[6],
            consent_version=row[7],
            consented=bool(row[8]),
            consent_events=int(row[9]),
        )
        for row in rows
    ]


def sqlite_pragma(database_url: str, pragma: str) -> list[str]:
    connection = sqlite3.connect(sqlite_path(database_url))
    try:
        return [str(row[0]) for row in connection.execute(f"PRAGMA {pragma}")]
    finally:
        connection.close()


def signature_problems(attempts: Iterable[Attempt], rows: Iterable[StoredSignature]) -> list[str]:
    """Everything wrong between what the clients were told and what the database holds.

    A signature acknowledged with the thank-you redirect must be stored exactly once; one
    never sent (connection refused) not at all; any other at most once. Every row must be
    whole: what its client sent, with consent recorded in the row and in the consent ledger
    exactly when the box was ticked.
    """
    stored: dict[str, list[StoredSignature]] = defaultdict(list)
    for row in rows:
        stored[row.name].append(row)
    sent = {attempt.name: attempt for attempt in attempts}
    problems = []
    for attempt in sent.values():
        times = len(stored.get(attempt.name, []))
        if attempt.outcome is Outcome.ACKNOWLEDGED and times != 1:
            problems.append(f"{attempt.name}: acknowledged but stored {times} times")
        elif attempt.outcome is Outcome.REFUSED and times:
            problems.append(f"{attempt.name}: never sent but stored {times} times")
        elif times > 1:
            problems.append(f"{attempt.name}: {attempt.outcome.value}, stored {times} times")
    for name, copies in stored.items():
        attempt = sent.get(name)
        if attempt is None:
            problems.append(f"{name}: stored but no client sent it")
            continue
        for row in copies:
            if (row.email, row.postcode) != (attempt.email, attempt.postcode):
                problems.append(f"{name}: stored as {row.email} {row.postcode}, not as sent")
            consent = (
                row.wants_updates,
                bool(row.consent_text),
                bool(row.consent_version),
                row.consented,
                row.consent_events,
            )
            wanted = attempt.wants_updates
            if consent != (wanted, wanted, wanted, wanted, int(wanted)):
                problems.append(
                    f"{name}: asked for updates: {wanted}; stored (wants updates, wording, "
                    f"version, consented, ledger entries) = {consent}"
                )
    return problems
