"""A tiny store shared by every app server: sliding-window counters and one-time tokens.

Redis holds them when ``settings.REDIS_URL`` is set (one round trip per call). Without Redis,
one-time tokens go to the database (one statement per call, on SQLite or PostgreSQL), and
there are no counters here: the signatures table is its own record of who signed when, and
the insert that stores a signature counts it (``petitions.signature_insert``). If Redis is
configured but cannot be reached, the database stands in and a warning is logged: a signer
never gets a server error because of it. Nothing here lives in one process's memory except
the Redis client and a note of when Redis last failed.
"""

from __future__ import annotations

import datetime
import logging
import math
import random
import secrets
import time
from collections.abc import Sequence

import redis
from django.conf import settings
from django.db import connection, transaction

from undersigned.abuse.models import SpentToken

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "undersigned:abuse:"
# How long a process leaves Redis alone after it failed, so that signers do not each wait for
# a connection timeout while it is down.
REDIS_RETRY_SECONDS = 10
REDIS_TIMEOUT_SECONDS = 0.5
# About one database call in this many also deletes expired tokens: cheap on average, and the
# table holds little more than the tokens still alive.
CLEANUP_ONE_IN = 500


class DatabaseStore:
    """One-time tokens in the ``abuse`` tables: one insert per call."""

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
    """Delete the database's one-time tokens whose lifetime is over."""
    moment = datetime.datetime.fromtimestamp(time.time() if now is None else now, tz=datetime.UTC)
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

    def hits(
        self, counters: Sequence[tuple[str, int]], window_seconds: int, *, now: float
    ) -> list[int]:
        # Each counter is a sorted set of the moments of its hits. Only the newest limit + 1
        # are kept: if more than the limit fall in the window, those do, so the answer to
        # "over the limit?" is exact while a connection hammering the form costs a few
        # entries, not one per request.
        member = f"{now!r}:{secrets.token_hex(4)}"
        # MULTI/EXEC: a counter never exists without its expiry, even if this process dies.
        pipe = self.client.pipeline(transaction=True)
        for key, limit in counters:
            name = f"{self.prefix}hits:{key}"
            pipe.zremrangebyscore(name, "-inf", f"({now - window_seconds!r}")
            pipe.zadd(name, {member: now})
            pipe.zremrangebyrank(name, 0, -(limit + 2))
            pipe.zcard(name)
            pipe.expire(name, math.ceil(window_seconds) + 1)
        replies = pipe.execute()
        return [int(count) for count in replies[3::5]]

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


def hits(
    counters: Sequence[tuple[str, int]], window_seconds: int, *, now: float | None = None
) -> list[int] | None:
    """Count one hit now on each ``(key, limit)`` in Redis; for each, in order, the hits in the
    ``window_seconds`` up to now, this one included: the window slides, as the signatures
    table's does (``petitions.signature_insert``), so the two count the same. Exact up to
    ``limit + 1``; never more than that. ``None`` if Redis is not configured or not
    answering (nothing was counted)."""
    if not counters:
        return []
    store = _redis_store()
    if store is None:
        return None
    try:
        return store.hits(counters, window_seconds, now=time.time() if now is None else now)
    except redis.RedisError as error:
        _redis_failed(error)
        return None


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
