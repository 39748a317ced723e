"""The one thread of a worker process that runs the application, and the hand-over to it.

The front (``config/front.py``) reads requests on the worker's event loop and runs each, once
whole, on this thread: one at a time, as gunicorn's sync worker ran them. It is what
``loop.run_in_executor`` with a one-thread pool did, with less in between: a request goes to
the thread through a queue, and its answer comes back to the loop through
``call_soon_threadsafe``. The pool's futures, locks and semaphore around the same two
wake-ups cost a third more CPU (``python bench/front_handoff.py``: 75 µs against 53 µs a
request here).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any


class ApplicationThread:
    """The worker's one thread for the application, which the event loop hands calls to.

    The thread starts with the first call; it is a daemon, so a worker that exits does not
    wait on it (gunicorn lets the requests under way finish first).
    """

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def call(self, function: Callable, *args: Any) -> asyncio.Future:
        """``function(*args)`` run in the thread; its result (or exception) in the future, on
        the event loop this is called from."""
        if self._thread is None:
            self._start()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._calls.put((loop, future, function, args))
        return future

    def _start(self) -> None:
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="wsgi", daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            loop, future, function, args = self._calls.get()
            try:
                outcome = (function(*args), None)
            except BaseException as error:  # handed to the awaiting request, as the pool did
                outcome = (None, error)
            with contextlib.suppress(RuntimeError):  # the loop closed: the worker is exiting
                loop.call_soon_threadsafe(_settle, future, *outcome)
            # Not kept until the next request comes: an answer can be large.
            del loop, future, function, args, outcome


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    # The request may have been given up on (cancelled) while the thread worked on it.
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
