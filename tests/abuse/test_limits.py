"""Rate limits per connection, per petition and across the site: counted in Redis when it is
there, else handed to the signature's insert (whose counting ``tests/petitions`` checks)."""

from __future__ import annotations

import datetime

import pytest
import redis

from tests.abuse.redis_server import forget_keys, redis_url_or_skip, unique
from undersigned.abuse import limits, store
from undersigned.abuse.models import AbuseSettings
from undersigned.petitions.models import SuspectReason
from undersigned.petitions.signature_insert import RateLimitCheck

# A fixed moment, so that each test says exactly when every signature was made.
START = 1_800_000_000.0 - 1_800_000_000.0 % 3600

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_redis(settings):
    settings.REDIS_URL = redis_url_or_skip()
    return settings.REDIS_URL


@pytest.fixture
def client_hash(in_redis):
    """A keyed IP hash of its own: runs side by side never count the same key."""
    ip_hash = unique("ip")
    yield ip_hash
    forget_keys(in_redis, f"{store.DEFAULT_PREFIX}*{ip_hash}*")


@pytest.fixture
def strict(db):
    current = AbuseSettings.load()
    current.per_petition_limit = 3
    current.overall_limit = 5
    current.window_minutes = 60
    current.save()  # forgets the cached settings
    return current


def check(petition_id: int, ip_hash: str, now: float = START) -> SuspectReason | None:
    return limits.signing_limit_check(petition_id=petition_id, ip_hash=ip_hash, now=now)


def test_signatures_within_the_per_petition_limit_are_not_suspect_and_the_next_one_is(
    strict, client_hash
):
    within = [check(1, client_hash) for _ in range(3)]

    assert within == [SuspectReason.NONE] * 3
    assert check(1, client_hash) == SuspectReason.PETITION_RATE_LIMIT
    assert check(1, client_hash) == SuspectReason.PETITION_RATE_LIMIT


def test_the_overall_limit_counts_one_connection_across_every_petition(strict, client_hash):
    spread = [check(petition_id, client_hash) for petition_id in (1, 2, 3, 1, 2)]

    assert spread == [SuspectReason.NONE] * 5
    assert check(3, client_hash) == SuspectReason.OVERALL_RATE_LIMIT


def test_other_connections_have_their_own_counts(strict, client_hash):
    for _ in range(4):
        check(1, client_hash)

    assert check(1, client_hash + "-neighbour") == SuspectReason.NONE


def test_signatures_older_than_the_window_no_longer_count_as_in_the_database(strict, client_hash):
    for _ in range(4):
        check(1, client_hash, now=START + 10)

    # The window is the 60 minutes up to each signature, its first moment included.
    assert check(1, client_hash, now=START + 3600) == SuspectReason.PETITION_RATE_LIMIT
    assert check(1, client_hash, now=START + 3610) == SuspectReason.PETITION_RATE_LIMIT
    assert check(1, client_hash, now=START + 3611) == SuspectReason.NONE


def test_a_limit_of_zero_is_off(strict, client_hash):
    strict.per_petition_limit = 0
    strict.overall_limit = 0
    strict.save()

    assert [check(1, client_hash) for _ in range(20)] == [SuspectReason.NONE] * 20


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:1/0"], ids=["none", "down"])
def test_without_an_ip_hash_nothing_is_limited_whatever_the_store(strict, settings, redis_url):
    settings.REDIS_URL = redis_url

    assert [check(1, "") for _ in range(10)] == [SuspectReason.NONE] * 10


def test_a_change_in_the_admin_applies_at_once_in_the_process_that_saved_it(strict, client_hash):
    assert check(1, client_hash) == SuspectReason.NONE  # the settings are now cached

    strict.per_petition_limit = 1
    strict.save()

    assert check(1, client_hash) == SuspectReason.PETITION_RATE_LIMIT


def test_the_counters_keys_hold_the_hash_and_never_anything_else_of_the_client(strict, in_redis):
    ip_hash = unique("0123456789abcdef")
    check(7, ip_hash)

    keys = sorted(
        key.decode().removeprefix(store.DEFAULT_PREFIX)
        for key in redis.Redis.from_url(in_redis).scan_iter(match=f"*{ip_hash}*")
    )
    forget_keys(in_redis, f"{store.DEFAULT_PREFIX}*{ip_hash}*")
    assert keys == [f"hits:sign:all:{ip_hash}", f"hits:sign:petition:7:{ip_hash}"]


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:1/0"], ids=["none", "down"])
def test_without_redis_the_limits_are_left_to_the_database(strict, settings, redis_url):
    settings.REDIS_URL = redis_url
    now = datetime.datetime(2027, 1, 4, 9, 30, tzinfo=datetime.UTC)

    assert check(1, "abc") is None
    assert limits.database_limit_check(
        ip_hash="abc", now=now, limits=limits.abuse_limits()
    ) == RateLimitCheck(
        ip_hash="abc",
        since=datetime.datetime(2027, 1, 4, 8, 30, tzinfo=datetime.UTC),
        per_petition=3,
        overall=5,
    )


def test_the_settings_are_read_once_and_then_from_the_cache(strict, django_assert_num_queries):
    limits.abuse_limits()

    with django_assert_num_queries(0):
        snapshot = limits.abuse_limits()

    assert snapshot.per_petition_limit == 3
