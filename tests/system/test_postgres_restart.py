"""PostgreSQL restarting under load: clear 503s meanwhile, nothing lost, recovery on its own.

A private PostgreSQL cluster (never the machine's shared server, which the rest of the suite
uses) is stopped with ``pg_ctl stop -m fast`` while clients sign through ``undersigned
serve``, left down for a couple of seconds, and started again. While it is down every request
is answered 503 with ``Retry-After`` and a short page (JSON on the ``.json`` endpoint), never
a 500; afterwards the same server processes take signatures again without a restart; and the
database holds every acknowledged signature once, whole, and nothing half-written.

The cluster's database starts as a copy (pg_dump | pg_restore) of the migrated template on the
shared server, or is migrated in place when there is no shared server to copy from.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.system.databases import (
    PrivatePostgres,
    postgres_bin_dir,
    postgres_copy,
    shared_postgres_url,
    signature_problems,
    skip_or_fail,
    stored_signatures,
)
from tests.system.servers import (
    JSON_PATH,
    PETITION_PATH,
    Outcome,
    Server,
    Signer,
    SigningLoad,
    database_prepare,
    exchange,
    server_environment,
    shown_count,
    signature_details,
    uncached,
)

CLIENTS = 6
BEFORE_STOP = 30
AFTER_START = 30
DOWN_FOR = 2.0
BUSY_WORDS = "nothing you typed was saved"


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        skip_or_fail("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.initialise()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def postgres_server(request, private_postgres, tmp_path, static_root) -> Iterator[Server]:
    env = server_environment(
        database_url=private_postgres.create_database("undersigned"),
        data_dir=tmp_path / "data",
        static_root=static_root,
        # Every probe reaches the database: a page or JSON body kept in the shared cache from
        # the last couple of seconds would rightly be served through the outage.
        page_cache_seconds=0,
    )
    try:
        template = request.getfixturevalue("postgres_template")
    except pytest.skip.Exception:  # no shared PostgreSQL to copy from: migrate this one
        database_prepare(env)
    else:
        postgres_copy(
            source_url=shared_postgres_url(template),
            target_url=env["DATABASE_URL"],
            bin_dir=private_postgres.bin_dir,
        )
    server = Server(env, log_dir=tmp_path, name="server")
    try:
        yield server
    finally:
        server.stop()


def probe_outage(server: Server, signer: Signer) -> dict[str, object]:
    """A signature, the petition page and the JSON, each asked for once while it is down
    (at addresses no one has used, and from a server that keeps no copies of pages)."""
    signature = signer.sign(server, **signature_details("Probe", 0, 0))
    page = exchange(server.port, "GET", uncached(PETITION_PATH))
    data = exchange(server.port, "GET", uncached(JSON_PATH))
    return {"signature": signature, "page": page, "json": data}


def test_a_postgresql_restart_under_load_gives_503s_loses_nothing_and_recovers_by_itself(
    private_postgres, postgres_server
):
    server = postgres_server
    database_url = server.env["DATABASE_URL"]
    server.start()
    server_pid = server.process.pid
    probe_signer = Signer(forwarded_for="10.250.0.1")
    probe_signer.fetch_form(server)
    assert probe_signer.ready

    load = SigningLoad([server], label="Restart", clients=CLIENTS).start()
    try:
        load.wait_for("signatures before the stop", lambda: len(load.acknowledged()) >= BEFORE_STOP)
        stopping_at = time.monotonic()
        private_postgres.stop(mode="fast")
        stopped_at = time.monotonic()
        probes = probe_outage(server, probe_signer)
        time.sleep(max(0.0, DOWN_FOR - (time.monotonic() - stopped_at)))
        private_postgres.start()
        started_at = time.monotonic()
        load.wait_for(
            "signatures after PostgreSQL came back",
            lambda: len(load.acknowledged(since=started_at)) >= AFTER_START,
        )
    finally:
        load.stop()

    attempts = [*load.snapshot(), probes["signature"]]
    during = [a for a in attempts if stopping_at <= a.finished and a.started <= started_at]
    outcomes = Counter(attempt.outcome for attempt in attempts)
    print(
        f"\nPostgreSQL restart under load: {dict(outcomes)}; from the stop command until it "
        f"was back ({started_at - stopping_at:.1f} s): {dict(Counter(a.outcome for a in during))}"
    )

    # While it was down: a clear, short 503 that says to come back, never a server error.
    signature = probes["signature"]
    assert signature.outcome is Outcome.UNAVAILABLE, signature
    assert signature.retry_after.isdigit()
    assert signature.content_type.startswith("text/html")
    assert BUSY_WORDS in signature.body
    assert "Traceback" not in signature.body
    page = probes["page"]
    assert page.status == 503
    assert page.headers["retry-after"].isdigit()
    assert BUSY_WORDS in page.text
    data = probes["json"]
    assert data.status == 503
    assert data.headers["content-type"] == "application/json"
    assert data.headers["retry-after"].isdigit()
    assert json.loads(data.body)["error"] == "unavailable"
    # Under load, too: every answer was a thank-you or a 503 with Retry-After.
    assert load.server_errors() == []
    assert set(outcomes) <= {Outcome.ACKNOWLEDGED, Outcome.UNAVAILABLE}
    assert all(a.retry_after for a in attempts if a.outcome is Outcome.UNAVAILABLE)
    assert all(BUSY_WORDS in a.body for a in attempts if a.outcome is Outcome.UNAVAILABLE)

    # Back by itself: the same processes serve and take signatures again.
    assert server.running
    assert server.process.pid == server_pid
    assert len(load.acknowledged(since=started_at)) >= AFTER_START

    # Nothing acknowledged lost, nothing stored twice, nothing half-written.
    rows = stored_signatures(database_url)
    assert signature_problems(attempts, rows) == []
    assert {row.state for row in rows} == {"counted"}
    assert shown_count(server, stored=len(rows)) == len(rows)
    assert len(rows) >= outcomes[Outcome.ACKNOWLEDGED]
