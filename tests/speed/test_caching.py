"""Brief caching of expensive reads: reused while fresh, one rebuild at a time once stale."""

from __future__ import annotations

from django.core.cache import cache

from undersigned.speed import caching
from undersigned.speed.caching import cached_briefly, cached_forget, kept_in_process


def counter():
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    return build, calls


def test_a_fresh_copy_is_reused_and_zero_seconds_means_no_caching():
    build, _calls = counter()
    assert cached_briefly("test:fresh", 30, build) == 1
    assert cached_briefly("test:fresh", 30, build) == 1
    assert cached_briefly("test:never", 0, build) == 2
    assert cached_briefly("test:never", 0, build) == 3


def test_a_stale_copy_is_served_while_another_caller_rebuilds_it():
    build, calls = counter()
    cache.set("test:stale", (0, "stale copy"), 300)
    cache.add("test:stale:rebuilding", 1, 30)  # someone else is rebuilding

    assert cached_briefly("test:stale", 30, build) == "stale copy"
    assert calls == []


def test_the_first_caller_after_it_goes_stale_rebuilds_it():
    build, _calls = counter()
    cache.set("test:stale", (0, "stale copy"), 300)

    assert cached_briefly("test:stale", 30, build) == 1
    assert cached_briefly("test:stale", 30, build) == 1
    assert cache.get("test:stale:rebuilding") is None


def test_forgetting_makes_the_next_caller_rebuild():
    build, _calls = counter()
    cached_briefly("test:forget", 30, build)
    cached_forget("test:forget")
    assert cached_briefly("test:forget", 30, build) == 2


# Kept in the process: small hot values, no shared cache.
def test_a_value_is_built_once_then_reused():
    build, calls = counter()

    assert [kept_in_process("k", 60, build) for _ in range(3)] == [1, 1, 1]
    assert len(calls) == 1


def test_zero_seconds_builds_every_time():
    build, _ = counter()

    assert [kept_in_process("k", 0, build) for _ in range(3)] == [1, 2, 3]


def test_a_stale_value_is_built_again(monkeypatch):
    build, _ = counter()
    kept_in_process("k", 5, build)
    now = caching.time.monotonic()
    monkeypatch.setattr(caching.time, "monotonic", lambda: now + 6)

    assert kept_in_process("k", 5, build) == 2


def test_forgetting_a_key_builds_it_again():
    build, _ = counter()
    kept_in_process("k", 60, build)
    cached_forget("k")

    assert kept_in_process("k", 60, build) == 2


def test_too_many_keys_and_the_lot_is_dropped(monkeypatch):
    monkeypatch.setattr(caching, "IN_PROCESS_MAX_KEYS", 3)
    for key in "abc":
        kept_in_process(key, 60, lambda key=key: key)
    kept_in_process("d", 60, lambda: "d")

    assert set(caching._in_process) == {"d"}
