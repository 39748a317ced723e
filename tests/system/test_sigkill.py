"""Nothing acknowledged is lost when every server process is killed in the middle of signing.

``undersigned serve`` runs on SQLite in WAL mode while eight clients sign as fast as it
answers; the whole process group (the command, gunicorn's master and its workers) gets
SIGKILL at once, with requests half-way through; the server is started again on the same
file and port and the clients carry on. Then every signature that was acknowledged with the
thank-you redirect is stored exactly once and whole, the file passes SQLite's integrity
check (straight after the kill too), and the public count is the number of counted rows.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.system.databases import signature_problems, sqlite_pragma, stored_signatures
from tests.system.servers import (
    Outcome,
    Server,
    SigningLoad,
    shown_count,
    sqlite_site_environment,
)

CLIENTS = 8
BEFORE_KILL = 30  # signatures acknowledged before the kill...
AFTER_RESTART = 30  # ...and after the restart
DOWN_FOR = 1.0  # seconds between the kill and the restart, for clients to find it gone


@pytest.fixture
def sqlite_server(tmp_path, static_root) -> Iterator[Server]:
    env = sqlite_site_environment(tmp_path, static_root=static_root)
    server = Server(env, log_dir=tmp_path, name="server")
    try:
        yield server
    finally:
        server.stop()


def test_sigkill_mid_load_loses_no_acknowledged_signature_and_leaves_sqlite_intact(sqlite_server):
    server = sqlite_server
    database_url = server.env["DATABASE_URL"]
    server.start()
    load = SigningLoad([server], label="Kill", clients=CLIENTS).start()
    try:
        load.wait_for("signatures before the kill", lambda: len(load.acknowledged()) >= BEFORE_KILL)
        server.kill()
        killed_at = time.monotonic()
        # The file as the kill left it, before anything opens it again to recover.
        integrity_after_kill = sqlite_pragma(database_url, "integrity_check")
        time.sleep(DOWN_FOR)
        server.start()
        restarted_at = time.monotonic()
        load.wait_for(
            "signatures after the restart",
            lambda: len(load.acknowledged(since=restarted_at)) >= AFTER_RESTART,
        )
    finally:
        load.stop()
    rows = stored_signatures(database_url)
    shown = shown_count(server, stored=sum(row.state == "counted" for row in rows))
    server.stop()

    attempts = load.snapshot()
    outcomes = Counter(attempt.outcome for attempt in attempts)
    print(f"\nSIGKILL under load: {dict(outcomes)}, {len(rows)} rows stored")

    assert sqlite_pragma(database_url, "journal_mode") == ["wal"]
    assert integrity_after_kill == ["ok"]
    assert sqlite_pragma(database_url, "integrity_check") == ["ok"]
    # The kill caught clients half-way: some requests broke or found no server.
    cut_off = [
        attempt
        for attempt in attempts
        if attempt.outcome in (Outcome.LOST, Outcome.REFUSED) and attempt.finished >= killed_at
    ]
    assert cut_off, "the kill did not interrupt any signing"
    assert load.server_errors() == []
    assert signature_problems(attempts, rows) == []
    assert {row.state for row in rows} == {"counted"}
    assert shown == sum(row.state == "counted" for row in rows)
    assert shown >= outcomes[Outcome.ACKNOWLEDGED] >= BEFORE_KILL + AFTER_RESTART
