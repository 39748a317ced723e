"""The PostgreSQL backend's health check: a kept connection is checked without a round trip,
and one the server hung up on is replaced before the request uses it."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.db.utils import load_backend

from undersigned.config.settings.environment import database_config

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL backend, on PostgreSQL"
)


@pytest.fixture
def kept_connection(db):
    """A second connection to the test database, as a worker keeps one between requests."""
    config = {**connection.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": 60}
    wrapper = load_backend("undersigned.speed.postgresql").DatabaseWrapper(config, alias="kept")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_site_uses_it_for_postgresql_urls(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.internal:5432/undersigned")

    config = database_config(tmp_path / "unused.sqlite3")

    assert config["ENGINE"] == "undersigned.speed.postgresql"
    assert config["CONN_HEALTH_CHECKS"] is True


@on_postgresql
def test_a_healthy_kept_connection_is_kept_and_asked_nothing(kept_connection, monkeypatch):
    pid = backend_pid(kept_connection)
    kept_connection.close_if_unusable_or_obsolete()  # the end of a request
    before = kept_connection.connection

    def round_trip():
        raise AssertionError("the health check sent a query (Django's SELECT 1)")

    monkeypatch.setattr(kept_connection, "is_usable", round_trip)
    kept_connection.close_if_health_check_failed()  # the start of the next one

    assert kept_connection.connection is before
    assert kept_connection.health_check_done
    monkeypatch.undo()
    assert backend_pid(kept_connection) == pid


@on_postgresql
def test_a_connection_the_server_hung_up_on_is_replaced_before_the_next_request_uses_it(
    kept_connection,
):
    pid = backend_pid(kept_connection)
    kept_connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not kept_connection.server_hung_up() and time.monotonic() < deadline:
        time.sleep(0.05)

    kept_connection.close_if_health_check_failed()

    assert kept_connection.connection is None
    assert backend_pid(kept_connection) != pid  # a new connection, and it works
