"""Signing writers to SQLite queue for their turn in the kernel, one at a time."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from undersigned.site.write_queue import write_turn

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL has no single write lock to queue for"
)


def second_writer_start() -> tuple[threading.Thread, threading.Event]:
    """Another thread (so another place in the queue) taking its turn; the event says when."""
    entered = threading.Event()

    def second_writer():
        with write_turn():
            entered.set()
        connection.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    return thread, entered


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_until_the_first_is_done():
    with write_turn():
        thread, entered = second_writer_start()
        assert not entered.wait(0.3)
    assert entered.wait(5)
    thread.join()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_inside_an_open_transaction_nobody_queues():
    """The open transaction may hold the database's lock that the writer in front waits for."""
    entered = threading.Event()

    def second_writer():
        with write_turn():
            entered.set()
        connection.close()

    with write_turn():
        with transaction.atomic(), write_turn():  # no second turn (and no deadlock) inside
            pass
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not entered.wait(0.2)
    thread.join(5)
    assert entered.is_set()
