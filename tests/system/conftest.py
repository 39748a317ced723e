"""System tests: the real server in processes of its own, faults injected, time-bounded.

Every test here is marked ``system`` (``pytest -m "not system"`` leaves them out) and fails
if it runs longer than ``TIME_LIMIT`` seconds, servers' start-up and shutdown included.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.system.databases import shared_postgres_database_create, shared_postgres_database_drop
from tests.system.servers import database_prepare, run_undersigned, server_environment

# A guard against hanging, not a benchmark: a test takes about a minute on a quiet 2-core
# machine (most of it migrating its database) and up to three when other jobs keep it busy.
TIME_LIMIT = 240
HERE = Path(__file__).resolve().parent


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "system: starts real servers and databases, kills and restarts them"
    )


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.system)


@pytest.fixture(autouse=True)
def _time_limit(request) -> Iterator[None]:
    """Fail the test (and so run its finalisers, which stop every server) when time is up."""

    def expire(signum, frame):
        pytest.fail(f"{request.node.name} ran longer than {TIME_LIMIT} s", pytrace=False)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TIME_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """The static files collected once for every server of the run (about 20 s)."""
    root = tmp_path_factory.mktemp("static")
    scratch = tmp_path_factory.mktemp("collectstatic")
    env = server_environment(
        database_url=f"sqlite:///{scratch / 'unused.sqlite3'}",
        data_dir=scratch,
        static_root=root,
    )
    run_undersigned("collectstatic", "--no-input", env=env)
    return root


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory, static_root) -> Iterator[str]:
    """A database on the machine's PostgreSQL, migrated and with the demo loaded, that the
    PostgreSQL tests copy: migrating takes a busy machine a minute, a copy a few seconds."""
    name = f"undersigned_system_template_{os.getpid()}"
    url = shared_postgres_database_create(name)
    try:
        data_dir = tmp_path_factory.mktemp("template")
        database_prepare(
            server_environment(database_url=url, data_dir=data_dir, static_root=static_root)
        )
        yield name
    finally:
        shared_postgres_database_drop(name)
