"""Short-lived caching of expensive reads, without a stampede when the copy goes stale."""

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


def cached_forget(key: str) -> None:
    cache.delete_many([key, f"{key}:rebuilding"])
