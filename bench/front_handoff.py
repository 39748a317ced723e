"""The front's hand-over to the application thread and back, alone: CPU and wall time a call.

    python bench/front_handoff.py                      # 20,000 calls, 3 rounds of each way
    python bench/front_handoff.py --calls 50000 --rounds 5

``undersigned serve``'s front reads each request on the worker's event loop and runs the
application on one thread of its own (``config/application_thread.py``). This times that
hand-over with nothing to run, one call after another on uvloop as the workers run: through
:class:`ApplicationThread`, and through ``loop.run_in_executor`` with a one-thread pool (what
the front used before), the two taking turns. It prints the median of each, in microseconds
of CPU (the process's, both threads) and of wall time per call, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import uvloop

from undersigned.config.application_thread import ApplicationThread


def _nothing(number: int) -> int:
    return number


async def _timed(call, calls: int) -> tuple[float, float]:
    await call(0)  # the thread started, outside the timing
    cpu, wall = time.process_time(), time.perf_counter()
    for number in range(calls):
        await call(number)
    return (
        (time.process_time() - cpu) / calls * 1e6,
        (time.perf_counter() - wall) / calls * 1e6,
    )


async def through_application_thread(calls: int) -> tuple[float, float]:
    thread = ApplicationThread()
    return await _timed(lambda number: thread.call(_nothing, number), calls)


async def through_one_thread_pool(calls: int) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return await _timed(lambda number: loop.run_in_executor(pool, _nothing, number), calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000, help="calls a round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each way")
    args = parser.parse_args()
    ways = {
        "ApplicationThread": through_application_thread,
        "run_in_executor, one-thread pool": through_one_thread_pool,
    }
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for round_number in range(args.rounds):
        order = list(ways) if round_number % 2 == 0 else list(reversed(ways))
        for name in order:
            figures[name].append(uvloop.run(ways[name](args.calls)))
    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{args.calls:,} calls a round, {args.rounds} rounds of each, load {load}")
    for name, rounds in figures.items():
        cpu = statistics.median(cpu for cpu, _ in rounds)
        wall = statistics.median(wall for _, wall in rounds)
        print(f"  {name:<34} CPU {cpu:6.1f} µs a call   wall {wall:6.1f} µs a call (median)")


if __name__ == "__main__":
    main()
