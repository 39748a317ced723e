"""Running a coroutine to the end in the tests of the front and its application thread."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_in_own_loop(coroutine) -> None:
    """Runs ``coroutine`` to the end on a fresh event loop in a thread of its own.

    Not ``asyncio.run`` here: after the browser tests, Playwright's sync API keeps an event
    loop running in the main thread, and ``asyncio.run`` refuses to start beside it.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, coroutine).result()
