"""Short-lived caching of expensive reads, without a stampede when the copy goes stale; and
keeping small, hot values in the process itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

# A stale copy is kept this many times longer than it is fresh, to serve while one caller
# rebuilds it.
STALE_FOR = 10


def cached_briefly(key: str, seconds: int, build: Callable[[], T]) -> T:
    """``build()``, reused for ``seconds``; ``seconds=0`` builds every time.

    When the copy goes stale, one caller (the one that wins ``cache.add`` of a lock) builds
    it again while the others keep using the stale copy, so that a busy page does not run
    the same expensive query in every worker at once.
    """
    if not seconds:
        return build()
    entry = cache.get(key)
    now = time.time()
    if entry is not None:
        fresh_until, value = entry
        if now < fresh_until or not cache.add(f"{key}:rebuilding", 1, seconds):
            return value
    value = build()
    cache.set(key, (time.time() + seconds, value), seconds * STALE_FOR)
    cache.delete(f"{key}:rebuilding")
    return value


# Values kept by kept_in_process: key -> (time.monotonic() until which it is fresh, value).
_in_process: dict[str, tuple[float, object]] = {}
# More keys than this (say, a robot asking for made-up petitions) and the lot is dropped.
IN_PROCESS_MAX_KEYS = 1000


def kept_in_process(key: str, seconds: float, build: Callable[[], T]) -> T:
    """``build()``, reused by this process for ``seconds``; ``seconds=0`` builds every time.

    For a small value read on every request of a busy path: a dictionary lookup, where the
    shared cache would cost a copy (and, with Redis, a round trip). Each process builds its
    own, so a change shows everywhere within ``seconds`` (at once in the process that calls
    :func:`cached_forget` for it).
    """
    if not seconds:
        return build()
    now = time.monotonic()
    entry = _in_process.get(key)
    if entry is not None and now < entry[0]:
        return entry[1]  # type: ignore[return-value]
    value = build()
    if len(_in_process) >= IN_PROCESS_MAX_KEYS:
        _in_process.clear()
    _in_process[key] = (now + seconds, value)
    return value


def cached_forget(key: str) -> None:
    """Forget ``key`` in the shared cache and in this process."""
    cache.delete_many([key, f"{key}:rebuilding"])
    _in_process.pop(key, None)


def forget_everything() -> None:
    """Empty the shared cache and this process's copies (between tests)."""
    cache.clear()
    _in_process.clear()
