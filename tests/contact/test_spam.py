"""The time-to-submit check: a signed timestamp, too fast, too old, forged."""

from __future__ import annotations

import time

import pytest
from django.core import signing

from undersigned.contact import spam


def test_a_form_sent_after_a_few_seconds_passes():
    now = time.time()
    assert spam.form_timing(token=spam.form_shown_token(now=now - 10), now=now) is spam.Timing.OK


@pytest.mark.parametrize("seconds", [0, 1, 2.9])
def test_a_form_sent_sooner_than_a_person_could_write_is_too_fast(seconds):
    now = time.time()
    token = spam.form_shown_token(now=now - seconds)
    assert spam.form_timing(token=token, now=now) is spam.Timing.TOO_FAST


def test_a_form_shown_longer_ago_than_the_maximum_age_has_expired():
    now = time.time()
    token = spam.form_shown_token(now=now - spam.MAX_AGE_SECONDS - 60)
    assert spam.form_timing(token=token, now=now) is spam.Timing.EXPIRED


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a token",
        signing.dumps(int(time.time()) - 60, salt="some other form"),
        signing.dumps("yesterday", salt=spam.SALT),
    ],
)
def test_a_missing_forged_or_foreign_timestamp_is_forged(token):
    assert spam.form_timing(token=token) is spam.Timing.FORGED


def test_a_tampered_timestamp_is_forged():
    token = spam.form_shown_token(now=time.time() - 10)
    value, signature = token.split(":", 1)
    assert spam.form_timing(token=f"{value}x:{signature}") is spam.Timing.FORGED


def test_only_a_non_blank_honeypot_counts_as_filled():
    assert not spam.honeypot_filled("")
    assert not spam.honeypot_filled("   ")
    assert spam.honeypot_filled("http://spam.example")
