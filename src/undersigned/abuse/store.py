"""A tiny store shared by every app server: fixed-window counters and one-time tokens.

Redis holds them when ``settings.REDIS_URL`` is set (one round trip per call); otherwise the
database does (one statement per call, on SQLite or PostgreSQL). If Redis is configured but
cannot be reached, the database stands in and a warning is logged: a signer never gets a
server error because of it. Nothing here lives in one process's memory except the Redis
client and a note of when Redis last failed.
"""

from __future__ import annotations

import datetime
import functools
import logging
import random
import time
from collections.abc import Sequence
from typing import Protocol

import redis
from django.conf import settings
from django.db import connection, transaction

from undersigned.abuse.models import RateCount, SpentToken

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "undersigned:abuse:"
# How long a process leaves Redis alone after it failed, so that signers do not each wait for
# a connection timeout while it is down.
REDIS_RETRY_SECONDS = 10
REDIS_TIMEOUT_SECONDS = 0.5
# About one database call in this many also deletes expired rows: cheap on average, and the
# tables stay the size of one window.
CLEANUP_ONE_IN = 500


class Store(Protocol):
    def hits(self, keys: Sequence[str], window_seconds: int, *, now: float) -> list[int]: ...

    def spend_once(self, token: str, ttl_seconds: int, *, now: float) -> bool: ...


def _window(window_seconds: int, now: float) -> tuple[int, int]:
    """The fixed window ``now`` falls in (its number) and the unix time at which it ends."""
    number = int(now) // window_seconds
    return number, (number + 1) * window_seconds


class DatabaseStore:
    """Counters and tokens in the ``abuse`` tables: one upsert or insert per call."""

    def hits(self, keys: Sequence[str], window_seconds: int, *, now: float) -> list[int]:
        number, ends = _window(window_seconds, now)
        expires_at = connection.ops.adapt_datetimefield_value(
            datetime.datetime.fromtimestamp(ends, tz=datetime.UTC)
        )
        # Sorted, so that two statements touching the same rows lock them in the same order.
        windowed = sorted({f"{key}:{number}" for key in keys})
        params = [value for key in windowed for value in (key, expires_at)]
        with connection.cursor() as cursor:
            cursor.execute(self._hits_sql(connection.vendor, len(windowed)), params)
            counts = dict(cursor.fetchall())
        self._now_and_then_forget_expired(now)
        return [counts[f"{key}:{number}"] for key in keys]

    @staticmethod
    @functools.cache
    def _hits_sql(vendor: str, keys: int) -> str:
        """The upsert counting ``keys`` keys at once (made once per database and size)."""
        qn = connection.ops.quote_name
        table = qn(RateCount._meta.db_table)
        rows = ", ".join(["(%s, 1, %s)"] * keys)
        return (
            f"INSERT INTO {table} ({qn('key')}, {qn('count')}, {qn('expires_at')}) "  # noqa: S608
            f"VALUES {rows} "
            f"ON CONFLICT ({qn('key')}) DO UPDATE SET {qn('count')} = {table}.{qn('count')} + 1 "
            f"RETURNING {qn('key')}, {qn('count')}"
        )

    def spend_once(self, token: str, ttl_seconds: int, *, now: float) -> bool:
        expires_at = connection.ops.adapt_datetimefield_value(
            datetime.datetime.fromtimestamp(now + max(ttl_seconds, 1), tz=datetime.UTC)
        )
        qn = connection.ops.quote_name
        table = qn(SpentToken._meta.db_table)
        # The unique constraint on the token decides: a second insert of it adds no row.
        sql = (
            f"INSERT INTO {table} ({qn('token')}, {qn('expires_at')}) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT ({qn('token')}) DO NOTHING RETURNING {qn('id')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [token, expires_at])
            spent = cursor.fetchone() is not None
        self._now_and_then_forget_expired(now)
        return spent

    def _now_and_then_forget_expired(self, now: float) -> None:
        if random.randrange(CLEANUP_ONE_IN) == 0:  # noqa: S311 - not for security
            # After the caller's transaction (at once if there is none), so as not to make a
            # signature's transaction longer.
            transaction.on_commit(lambda: expired_forget(now=now))


def expired_forget(*, now: float | None = None) -> None:
    """Delete the database's counters and tokens whose window or lifetime is over."""
    moment = datetime.datetime.fromtimestamp(time.time() if now is None else now, tz=datetime.UTC)
    RateCount.objects.filter(expires_at__lte=moment).delete()
    SpentToken.objects.filter(expires_at__lte=moment).delete()


class RedisStore:
    """Counters and tokens in Redis, under ``prefix``; each call is one round trip."""

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )

    def hits(self, keys: Sequence[str], window_seconds: int, *, now: float) -> list[int]:
        number, ends = _window(window_seconds, now)
        ttl = max(int(ends - now), 1)
        # MULTI/EXEC: a counter never exists without its expiry, even if this process dies.
        pipe = self.client.pipeline(transaction=True)
        for key in keys:
            name = f"{self.prefix}hit:{key}:{number}"
            pipe.incr(name)
            pipe.expire(name, ttl)
        replies = pipe.execute()
        return [int(count) for count in replies[::2]]

    def spend_once(self, token: str, ttl_seconds: int, *, now: float) -> bool:
        name = f"{self.prefix}spent:{token}"
        return bool(self.client.set(name, b"1", nx=True, ex=max(ttl_seconds, 1)))


_database = DatabaseStore()
_redis_stores: dict[str, RedisStore] = {}
_redis_down_until: dict[str, float] = {}


def _redis_store() -> RedisStore | None:
    url = settings.REDIS_URL
    if not url or _redis_down_until.get(url, 0) > time.monotonic():
        return None
    store = _redis_stores.get(url)
    if store is None:
        store = _redis_stores[url] = RedisStore(url)
    return store


def _redis_failed(error: Exception) -> None:
    url = settings.REDIS_URL
    _redis_down_until[url] = time.monotonic() + REDIS_RETRY_SECONDS
    logger.warning(
        "Redis is configured but failed (%s); abuse counters use the database for %s s.",
        error,
        REDIS_RETRY_SECONDS,
    )


def backend_is_database() -> bool:
    """Whether calls go to the database right now (no Redis configured, or Redis is down)."""
    return _redis_store() is None


def hits(keys: Sequence[str], window_seconds: int, *, now: float | None = None) -> list[int]:
    """Count one more for each key in the current fixed window; their counts, in order."""
    if not keys:
        return []
    now = time.time() if now is None else now
    store = _redis_store()
    if store is not None:
        try:
            return store.hits(keys, window_seconds, now=now)
        except redis.RedisError as error:
            _redis_failed(error)
    return _database.hits(keys, window_seconds, now=now)


def hit(key: str, window_seconds: int, *, now: float | None = None) -> int:
    """Count one more for ``key`` in the current fixed window and return the window's count."""
    return hits([key], window_seconds, now=now)[0]


def spend_once(token: str, ttl_seconds: int, *, now: float | None = None) -> bool:
    """``True`` the first time ``token`` is spent within ``ttl_seconds``, ``False`` after."""
    now = time.time() if now is None else now
    store = _redis_store()
    if store is not None:
        try:
            return store.spend_once(token, ttl_seconds, now=now)
        except redis.RedisError as error:
            _redis_failed(error)
    return _database.spend_once(token, ttl_seconds, now=now)
