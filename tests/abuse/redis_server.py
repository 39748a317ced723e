"""The local Redis for the tests that need one, or a skip saying why there is none."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


def redis_url_or_skip() -> str:
    """The URL of a Redis that answers; skips the test (with the reason) if none does."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL}: {error}")
    return REDIS_TEST_URL


def unique(label: str) -> str:
    """A name no other test run uses, so that runs side by side never share Redis keys."""
    return f"test-{label}-{uuid.uuid4().hex}"


def forget_keys(url: str, pattern: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=pattern, count=1000))
    if keys:
        client.delete(*keys)
