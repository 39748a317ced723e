"""Signing writers to SQLite queue for their turn in the kernel, one at a time."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from undersigned.speed.write_queue import write_turn

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
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_writer_waits_until_the_first_is_done():
    with write_turn():
        thread, entered = second_writer_start()
        assert not entered.wait(0.3)
    assert entered.wait(5)
    thread.join()


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inside_an_open_transaction_nobody_queues():
    """The open transaction may hold the database's lock that the writer in front waits for:
    a writer inside one goes ahead even while another thread has the turn."""
    holding, let_go = threading.Event(), threading.Event()

    def writer_in_front():
        with write_turn():
            holding.set()
            let_go.wait(5)
        connection.close()

    entered = threading.Event()

    def writer_inside_a_transaction():
        with transaction.atomic(), write_turn():
            entered.set()
        connection.close()

    in_front = threading.Thread(target=writer_in_front)
    in_front.start()
    assert holding.wait(5)
    inside = threading.Thread(target=writer_inside_a_transaction)
    inside.start()
    try:
        assert entered.wait(2), "a writer inside an open transaction queued for its turn"
    finally:
        let_go.set()
        in_front.join(5)
        inside.join(5)


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_turn_taken_inside_a_turn_does_not_end_the_outer_one():
    with write_turn():
        with write_turn():  # no second turn (and no deadlock) inside
            pass
        thread, entered = second_writer_start()
        assert not entered.wait(0.3), "the inner turn let the next writer in"
    assert entered.wait(5)
    thread.join()
