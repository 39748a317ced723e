"""The application thread: calls handed over from the event loop run there one at a time, and
their results and exceptions come back to the coroutine that is waiting."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.config.loops import run_in_own_loop
from undersigned.config.application_thread import ApplicationThread


def test_an_exception_reaches_the_coroutine_waiting_for_that_call():
    class Refused(Exception):
        pass

    def refuse():
        raise Refused

    async def call():
        thread = ApplicationThread()
        with pytest.raises(Refused):
            await thread.call(refuse)
        # The thread lives on for the next request.
        assert await thread.call(lambda: "next") == "next"

    run_in_own_loop(call())


def test_a_call_given_up_on_while_it_runs_does_not_break_the_thread():
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "late"

    async def call():
        thread = ApplicationThread()
        loop = asyncio.get_running_loop()
        waiting = asyncio.ensure_future(thread.call(slow))
        await loop.run_in_executor(None, started.wait, 5)
        waiting.cancel()
        release.set()
        assert await thread.call(lambda: "next") == "next"

    run_in_own_loop(call())
