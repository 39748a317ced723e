"""Writers to SQLite wait for their turn in a kernel queue, not by polling the database's lock.

SQLite lets one connection write at a time. A writer that finds the lock taken sleeps and
tries again (its busy handler sleeps 1 ms, then 2, 5, 10 ms and more), so under a burst of
signatures much of the waiting is sleep after the lock has come free: latency goes up while
the CPU idles. :func:`write_turn` first puts the writer in a queue: an exclusive ``flock``
on a file beside the database, which the kernel hands to the next waiter the moment it is
let go. SQLite's own lock still decides who writes; this only orders who asks for it.
Writers that do not use it (the admin, background tasks) meet the busy handler as before.

Nothing happens on PostgreSQL, on an in-memory SQLite database, or inside a transaction
that is already open (it may hold the database's lock, which the writer in front of it in
the queue would then wait for).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator

from django.db import connections

# Per thread: each thread (and each process: a file inherited over fork would share its lock
# with the parent) opens the lock file for itself.
_local = threading.local()


def _queue_file(using: str) -> int | None:
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    if getattr(_local, "pid", None) != os.getpid():
        _local.pid, _local.files, _local.holding = os.getpid(), {}, False
    name = f"{connection.settings_dict['NAME']}-writers.lock"
    descriptor = _local.files.get(name)
    if descriptor is None:
        descriptor = _local.files[name] = os.open(name, os.O_RDWR | os.O_CREAT, 0o600)
    return descriptor


@contextlib.contextmanager
def write_turn(using: str = "default") -> Iterator[None]:
    """Wait for this writer's turn (SQLite), for a transaction opened inside the block."""
    if connections[using].in_atomic_block:
        yield
        return
    descriptor = _queue_file(using)
    if descriptor is None or _local.holding:
        yield
        return
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    _local.holding = True
    try:
        yield
    finally:
        _local.holding = False
        fcntl.flock(descriptor, fcntl.LOCK_UN)
