"""The shared store: sliding-window counters in Redis, one-time tokens in Redis or the database."""

from __future__ import annotations

import logging

import pytest

from tests.abuse.redis_server import forget_keys, redis_url_or_skip, unique
from undersigned.abuse import store
from undersigned.abuse.models import SpentToken

START = 1_800_000_000.0


@pytest.fixture
def no_cleanup(monkeypatch):
    """Keep the now-and-then cleanup from adding a statement to a test that counts them."""
    monkeypatch.setattr(store, "CLEANUP_ONE_IN", 10**12)


@pytest.fixture
def redis_store():
    url = redis_url_or_skip()
    prefix = unique("store") + ":"
    yield store.RedisStore(url, prefix=prefix)
    forget_keys(url, prefix + "*")


# Without Redis


@pytest.mark.django_db
def test_without_redis_nothing_is_counted_here_and_the_caller_is_told(settings):
    settings.REDIS_URL = ""

    assert store.hits([("sign:all:abc", 10)], 60, now=START) is None


@pytest.mark.django_db
def test_expired_tokens_are_forgotten_and_live_ones_kept():
    store.spend_once("old-token", 30, now=START)
    store.spend_once("current-token", 300, now=START)

    store.expired_forget(now=START + 60)

    assert list(SpentToken.objects.values_list("token", flat=True)) == ["current-token"]


@pytest.mark.django_db
def test_a_token_is_spent_once_only():
    assert store.spend_once("pow:abc", 60) is True
    assert store.spend_once("pow:abc", 60) is False
    assert store.spend_once("pow:def", 60) is True
    assert SpentToken.objects.count() == 2


@pytest.mark.django_db
def test_an_unreachable_redis_leaves_counting_to_the_database_with_a_warning(
    settings, caplog, monkeypatch
):
    monkeypatch.setattr(store, "_redis_down_until", {})  # as if it never failed before
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    with caplog.at_level(logging.WARNING, logger="undersigned.abuse.store"):
        assert store.hits([("sign:all:abc", 10)], 60, now=START) is None
        assert store.spend_once("pow:abc", 60) is True
        assert store.spend_once("pow:abc", 60) is False

    assert SpentToken.objects.count() == 1
    assert "Redis is configured but failed" in caplog.text


# The Redis store


def test_redis_counts_the_hits_of_the_last_window_which_slides(redis_store):
    def hit(second: float) -> int:
        return redis_store.hits([("k", 10)], 60, now=START + second)[0]

    assert [hit(0), hit(30), hit(59)] == [1, 2, 3]
    # 60 seconds on, the first hit is on the window's edge and still counts, as the
    # database counts signatures made at or after the window's start.
    assert hit(60) == 4
    assert hit(61) == 4  # the first has left; this one came
    assert hit(200) == 1


def test_redis_counts_several_keys_at_once_in_the_order_asked(redis_store):
    redis_store.hits([("zebra", 10)], 60, now=START)

    assert redis_store.hits([("zebra", 10), ("aardvark", 10)], 60, now=START) == [2, 1]


def test_redis_keeps_only_enough_hits_to_tell_a_connection_is_over_its_limit(redis_store):
    counts = [redis_store.hits([("k", 3)], 60, now=START + n)[0] for n in range(50)]

    assert counts[:5] == [1, 2, 3, 4, 4]
    assert set(counts[4:]) == {4}  # over the limit of 3, however many more come
    assert redis_store.client.zcard(f"{redis_store.prefix}hits:k") == 4


def test_redis_counters_expire_when_their_last_hit_leaves_the_window(redis_store):
    redis_store.hits([("k", 10)], 60, now=START + 45)

    ttl = redis_store.client.ttl(f"{redis_store.prefix}hits:k")
    assert 0 < ttl <= 61


def test_redis_spends_a_token_once_only_and_forgets_it_when_it_expires(redis_store):
    assert redis_store.spend_once("pow:abc", 60, now=START) is True
    assert redis_store.spend_once("pow:abc", 60, now=START) is False
    assert redis_store.spend_once("pow:def", 60, now=START) is True
    assert 0 < redis_store.client.ttl(f"{redis_store.prefix}spent:pow:abc") <= 60


@pytest.mark.django_db
def test_with_redis_configured_nothing_is_counted_in_the_database(settings):
    settings.REDIS_URL = redis_url_or_skip()
    key = unique("configured")
    try:
        assert store.hits([(key, 10)], 60) == [1]
        assert store.hits([(key, 10)], 60) == [2]
        assert store.spend_once(key, 60) is True
        assert store.spend_once(key, 60) is False
    finally:
        forget_keys(settings.REDIS_URL, f"{store.DEFAULT_PREFIX}*{key}*")

    assert not SpentToken.objects.exists()


@pytest.mark.django_db
def test_a_failed_redis_is_left_alone_for_a_while(settings, monkeypatch):
    monkeypatch.setattr(store, "_redis_down_until", {})
    settings.REDIS_URL = "redis://127.0.0.1:1/1"  # nothing listens on port 1
    assert store.hits([("k", 10)], 60) is None  # tried, failed
    tried = []
    monkeypatch.setattr(store.RedisStore, "hits", lambda *args, **kwargs: tried.append(1))

    assert store.hits([("k", 10)], 60) is None
    assert not tried
