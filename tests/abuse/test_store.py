"""The shared store: fixed-window counters and one-time tokens, in the database and in Redis."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.db import transaction

from tests.abuse.redis_server import forget_keys, redis_url_or_skip, unique
from tests.petitions.test_concurrency import run_together
from undersigned.abuse import store
from undersigned.abuse.models import RateCount, SpentToken

# A moment at the very start of a 60-second window, so that "+59 s" is still inside it.
START = 1_800_000_000.0
assert START % 60 == 0


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


# The database store


@pytest.mark.django_db
def test_a_counter_counts_up_within_its_window():
    counts = [store.hit("sign:all:abc", 60, now=START + second) for second in (0, 10, 59)]

    assert counts == [1, 2, 3]
    row = RateCount.objects.get()
    assert row.count == 3
    assert row.expires_at == datetime.datetime.fromtimestamp(START + 60, tz=datetime.UTC)


@pytest.mark.django_db
def test_a_counter_starts_again_from_one_in_the_next_window():
    store.hit("sign:all:abc", 60, now=START)
    store.hit("sign:all:abc", 60, now=START + 59)

    assert store.hit("sign:all:abc", 60, now=START + 60) == 1
    assert store.hit("sign:all:abc", 60, now=START + 61) == 2
    assert RateCount.objects.count() == 2  # one row per window until the old one is cleaned up


@pytest.mark.django_db
def test_keys_are_counted_apart():
    store.hit("sign:all:abc", 60, now=START)

    assert store.hit("sign:all:def", 60, now=START) == 1
    assert store.hit("sign:all:abc", 60, now=START) == 2


@pytest.mark.django_db
def test_several_keys_are_counted_in_one_statement_and_come_back_in_the_order_asked(
    django_assert_num_queries, no_cleanup
):
    store.hit("zebra", 60, now=START)

    with django_assert_num_queries(1):
        counts = store.hits(["zebra", "aardvark"], 60, now=START)

    assert counts == [2, 1]


@pytest.mark.django_db
def test_expired_counters_and_tokens_are_forgotten_and_live_ones_kept():
    store.hit("old", 60, now=START)
    store.hit("current", 60, now=START + 60)
    store.spend_once("old-token", 30, now=START)
    store.spend_once("current-token", 300, now=START)

    store.expired_forget(now=START + 60)

    assert [row.key.split(":")[0] for row in RateCount.objects.all()] == ["current"]
    assert list(SpentToken.objects.values_list("token", flat=True)) == ["current-token"]


@pytest.mark.django_db
def test_a_token_is_spent_once_only():
    assert store.spend_once("pow:abc", 60) is True
    assert store.spend_once("pow:abc", 60) is False
    assert store.spend_once("pow:def", 60) is True
    assert SpentToken.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_counters_hit_from_many_threads_at_once_lose_no_hit():
    """Each hit is one atomic upsert: 24 threads at once get 24 different counts."""
    counts = run_together([lambda: store.hit("sign:all:busy", 3600) for _ in range(24)], workers=24)

    assert sorted(counts) == list(range(1, 25))
    assert RateCount.objects.get().count == 24


@pytest.mark.django_db
def test_an_unreachable_redis_falls_back_to_the_database_with_a_warning(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    with caplog.at_level(logging.WARNING, logger="undersigned.abuse.store"):
        assert store.hit("sign:all:abc", 60, now=START) == 1
        assert store.spend_once("pow:abc", 60) is True
        assert store.spend_once("pow:abc", 60) is False

    assert RateCount.objects.get().count == 1
    assert "Redis is configured but failed" in caplog.text


# The Redis store


def test_redis_counts_up_within_a_window_and_starts_again_in_the_next(redis_store):
    within = [redis_store.hits(["k"], 60, now=START + second)[0] for second in (0, 30, 59)]
    next_window = redis_store.hits(["k"], 60, now=START + 60)[0]

    assert within == [1, 2, 3]
    assert next_window == 1


def test_redis_counts_several_keys_at_once_in_the_order_asked(redis_store):
    redis_store.hits(["zebra"], 60, now=START)

    assert redis_store.hits(["zebra", "aardvark"], 60, now=START) == [2, 1]


def test_redis_counters_expire_when_their_window_ends(redis_store):
    redis_store.hits(["k"], 60, now=START + 45)

    ttl = redis_store.client.ttl(f"{redis_store.prefix}hit:k:{int(START) // 60}")
    assert 0 < ttl <= 15


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
        assert store.hit(key, 60) == 1
        assert store.hit(key, 60) == 2
        assert store.spend_once(key, 60) is True
        assert store.spend_once(key, 60) is False
    finally:
        forget_keys(settings.REDIS_URL, f"{store.DEFAULT_PREFIX}*{key}*")

    assert not RateCount.objects.exists()
    assert not SpentToken.objects.exists()


@pytest.mark.django_db
def test_the_database_is_the_backend_without_redis_or_while_redis_is_down(settings):
    settings.REDIS_URL = ""
    assert store.backend_is_database()

    settings.REDIS_URL = "redis://127.0.0.1:1/1"  # nothing listens on port 1
    assert not store.backend_is_database()  # configured: tried first
    store.spend_once("pow:abc", 60)  # fails over, and Redis is left alone for a while
    assert store.backend_is_database()


@pytest.mark.django_db
def test_a_counter_counted_in_a_transaction_that_rolls_back_is_not_counted():
    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        store.hit("sign:all:abc", 60, now=START)
        raise RolledBack

    assert store.hit("sign:all:abc", 60, now=START) == 1
