"""A few clients sending their requests a byte at a time do not keep anyone else waiting.

``undersigned serve`` faces the internet without a proxy in front. With gunicorn's sync
workers, each connection trickling its headers held a whole worker, and as many of them as
workers (plus two) stopped the site. Here three times as many connections as workers send
their headers a byte every 0.2 s for 20 s, while another visitor keeps reading the petition
page and signing it: every one of those answers must come within a second.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.system.servers import (
    PETITION_PATH,
    Outcome,
    Server,
    Signer,
    exchange,
    signature_details,
    sqlite_site_environment,
)

WORKERS = 2
SLOW_CONNECTIONS = 3 * WORKERS
TRICKLE_SECONDS = 20
BYTE_EVERY = 0.2
ANSWER_WITHIN = 1.0


@pytest.fixture(scope="module")
def sqlite_environment(tmp_path_factory, static_root) -> dict[str, str]:
    """A migrated SQLite demo site, made before the test's time limit starts: on a machine
    kept busy by other jobs, migrating alone can take minutes."""
    return sqlite_site_environment(tmp_path_factory.mktemp("slow-clients"), static_root=static_root)


@pytest.fixture
def sqlite_server(sqlite_environment, tmp_path) -> Iterator[Server]:
    server = Server(sqlite_environment, log_dir=tmp_path, name="server", workers=WORKERS)
    try:
        yield server
    finally:
        server.stop()


class SlowClient(threading.Thread):
    """One connection sending a request's headers one byte every ``BYTE_EVERY`` seconds."""

    def __init__(self, port: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = stop
        self.bytes_sent = 0
        self.error: OSError | None = None

    def run(self) -> None:
        start = f"GET {PETITION_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
                connection.sendall(start)
                for _ in range(round(TRICKLE_SECONDS / BYTE_EVERY)):
                    if self.stop.wait(BYTE_EVERY):
                        return
                    connection.sendall(b"x")
                    self.bytes_sent += 1
        except OSError as error:
            self.error = error


def test_connections_trickling_their_headers_do_not_delay_pages_or_signatures(sqlite_server):
    server = sqlite_server
    server.start()
    stop = threading.Event()
    slow_clients = [SlowClient(server.port, stop) for _ in range(SLOW_CONNECTIONS)]
    for client in slow_clients:
        client.start()
    pages: list[tuple[float, int]] = []
    signatures: list[tuple[float, Outcome]] = []
    try:
        # Until the slow clients are a few bytes in, so that each holds its connection.
        deadline = time.monotonic() + 10
        while min(client.bytes_sent for client in slow_clients) < 3:
            assert time.monotonic() < deadline, "the slow clients could not start"
            time.sleep(0.1)
        signer = Signer(forwarded_for="10.20.0.1")
        fetched = signer.fetch_form(server)
        assert signer.ready, f"the petition page did not come: {fetched}"
        number = 0
        trickling_until = time.monotonic() + TRICKLE_SECONDS - 3
        while time.monotonic() < trickling_until:
            started = time.monotonic()
            reply = exchange(server.port, "GET", PETITION_PATH, timeout=10)
            pages.append((time.monotonic() - started, reply.status))
            started = time.monotonic()
            attempt = signer.sign(server, **signature_details("Slow", 0, number))
            signatures.append((time.monotonic() - started, attempt.outcome))
            number += 1
            if signer.posted >= 5:  # a new visitor, well under the per-address limits
                signer = Signer(forwarded_for=f"10.20.{number // 250}.{number % 250 + 2}")
                signer.fetch_form(server)
            time.sleep(0.2)
        still_trickling = [client for client in slow_clients if client.is_alive()]
    finally:
        stop.set()
        for client in slow_clients:
            client.join(timeout=10)

    slowest_page = max(seconds for seconds, _ in pages)
    slowest_signature = max(seconds for seconds, _ in signatures)
    assert slowest_page < ANSWER_WITHIN, f"a page took {slowest_page:.2f} s"
    assert slowest_signature < ANSWER_WITHIN, f"a signature took {slowest_signature:.2f} s"
    assert {status for _, status in pages} == {200}
    assert {outcome for _, outcome in signatures} == {Outcome.ACKNOWLEDGED}
    assert len(pages) >= 10
    # ...while every slow client was still sending, and none was cut off.
    assert len(still_trickling) == SLOW_CONNECTIONS, "slow clients stopped early"
    assert [client.error for client in slow_clients if client.error] == []
