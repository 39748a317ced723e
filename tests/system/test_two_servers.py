"""Two app servers on one PostgreSQL and one Redis behave as one site.

Two ``undersigned serve`` processes on different ports share a database (a copy of the
migrated template, on the machine's PostgreSQL) and a Redis database. Clients sign through
both at once; afterwards each server's public count is the exact number of counted
signatures. One client (one address) posting to each server in turn beyond the per-petition
limit gets exactly ``LIMIT`` counted and the rest kept as suspect. Neither could hold if a
count, a cache or a rate counter lived in one process's memory.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest
import redis

from tests.system.databases import (
    SHARED_REDIS,
    shared_postgres_database_copy,
    shared_postgres_database_drop,
    skip_or_fail,
    stored_signatures,
)
from tests.system.servers import (
    Outcome,
    Server,
    Signer,
    SigningLoad,
    server_environment,
    shown_count,
    signature_details,
    start_all,
)

LIMIT = 5  # signatures per connection per petition
OVER_LIMIT = 4  # how many more the one client sends
# A window (about 69 days) longer than the run, so that no signature leaves it mid-test.
WINDOW_MINUTES = 100_000
# A Redis database of these tests' own (not 0), emptied before and after.
REDIS_DB = 13
COUNT_CACHE_SECONDS = 1
CLIENTS = 6
SIGNATURES = 60


def redis_flush(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    url = f"{SHARED_REDIS}/{REDIS_DB}"
    try:
        redis_flush(url)
    except redis.RedisError as error:
        skip_or_fail(f"Redis at 127.0.0.1:6379 is not reachable: {error}")
    yield url
    redis_flush(url)


@pytest.fixture(scope="module")
def two_servers(postgres_template, redis_url, tmp_path_factory, static_root) -> Iterator[list]:
    name = f"undersigned_twoservers_{os.getpid()}"
    database_url = shared_postgres_database_copy(template=postgres_template, name=name)
    servers: list[Server] = []
    try:
        with psycopg.connect(database_url, autocommit=True) as connection:
            updated = connection.execute(
                "UPDATE abuse_abusesettings SET per_petition_limit = %s, window_minutes = %s",
                [LIMIT, WINDOW_MINUTES],
            ).rowcount
        assert updated == 1, "the template has no abuse settings row"
        folder = tmp_path_factory.mktemp("two-servers")
        # One environment for both, as an operator deploys them: one SECRET_KEY (so one
        # client's address hashes the same on either), one database, one Redis.
        env = server_environment(
            database_url=database_url,
            data_dir=folder / "data",
            static_root=static_root,
            redis_url=redis_url,
            count_cache_seconds=COUNT_CACHE_SECONDS,
        )
        servers = [
            Server(env, log_dir=folder, name="server-a"),
            Server(env, log_dir=folder, name="server-b"),
        ]
        start_all(servers)
        yield servers
    finally:
        for server in servers:
            server.stop()
        shared_postgres_database_drop(name)


def test_signing_through_two_servers_at_once_gives_both_the_exact_count(two_servers):
    # No address signs more than LIMIT times, so every signature counts.
    load = SigningLoad(two_servers, label="Both", clients=CLIENTS, per_address=LIMIT).start()
    try:
        load.wait_for("signatures", lambda: len(load.acknowledged()) >= SIGNATURES)
    finally:
        load.stop()
    attempts = load.snapshot()

    rows = stored_signatures(two_servers[0].env["DATABASE_URL"])
    counted = sum(row.state == "counted" for row in rows)
    counts = {server.name: shown_count(server, stored=counted) for server in two_servers}
    print(f"\nTwo servers: {len(attempts)} signatures, counts {counts}")

    assert load.server_errors() == []
    assert {attempt.outcome for attempt in attempts} == {Outcome.ACKNOWLEDGED}
    assert set(Counter(attempt.server for attempt in attempts)) == {"server-a", "server-b"}
    ours = [row for row in rows if row.name.startswith("Both ")]
    assert sorted(row.name for row in ours) == sorted(attempt.name for attempt in attempts)
    assert {row.state for row in ours} == {"counted"}
    assert counts == {"server-a": counted, "server-b": counted}


def test_one_connection_over_the_limit_counts_only_up_to_the_limit_across_both_servers(
    two_servers,
):
    signer = Signer(forwarded_for="203.0.113.7")
    signer.fetch_form(two_servers[0])
    assert signer.ready

    attempts = [
        signer.sign(two_servers[number % 2], **signature_details("Limited", 0, number))
        for number in range(LIMIT + OVER_LIMIT)
    ]
    rows = [
        row
        for row in stored_signatures(two_servers[0].env["DATABASE_URL"])
        if row.name.startswith("Limited ")
    ]

    # Everyone sees the thank-you page: the form does not tell an attacker where the limit is.
    assert [attempt.outcome for attempt in attempts] == [Outcome.ACKNOWLEDGED] * len(attempts)
    assert Counter(attempt.server for attempt in attempts) == {
        "server-a": (LIMIT + OVER_LIMIT + 1) // 2,
        "server-b": (LIMIT + OVER_LIMIT) // 2,
    }
    assert Counter((row.state, row.suspect_reason) for row in rows) == {
        ("counted", ""): LIMIT,
        ("suspect", "petition_rate"): OVER_LIMIT,
    }
