"""Trending signers: per hour, the connections and email domains behind an unusual share."""

from __future__ import annotations

import datetime
import itertools

import pytest

from tests.factories import PaperSheetFactory, PetitionPageFactory, SignatureFactory
from undersigned.abuse import selectors
from undersigned.abuse.models import AbuseSettings, RuleKind
from undersigned.petitions.models import Signature, SignatureState

UTC = datetime.UTC
TEN = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the start of an hour
_ids = itertools.count()


@pytest.fixture
def thresholds(db):
    """The shipped defaults, set explicitly: at least 20 signatures and 10% of the hour."""
    settings = AbuseSettings.load()
    settings.trending_min_signatures = 20
    settings.trending_min_share_percent = 10
    settings.save()
    return settings


def stored(petition, count, *, start, spread=datetime.timedelta(minutes=50), **fields):
    """``count`` signatures stored from ``start``, evenly over ``spread``, each a different
    person (its own IP hash and email unless ``fields`` sets them): rows written with their
    times in the past, not signed (tests/signing.py signs)."""
    step = spread / max(count, 1)
    rows = []
    for i in range(count):
        n = next(_ids)
        values = {
            "ip_hash": f"home{n:028d}",
            "email": f"person{n}@isp{n}.example",
            "created_at": start + i * step,
            **fields,
        }
        if callable(values["email"]):
            values["email"] = values["email"](n)
        rows.append(SignatureFactory.build(petition=petition, name=f"Person Number{n}", **values))
    return Signature.objects.bulk_create(rows)


def test_a_connection_and_a_domain_flooding_one_hour_are_flagged_and_ordinary_signers_are_not(
    petition, thresholds
):
    stored(petition, 150, start=TEN)  # ordinary signers: each their own connection and domain
    stored(petition, 30, start=TEN, ip_hash="attacker")  # 30 of 205 in the hour: 14.6%
    stored(petition, 25, start=TEN, email=lambda n: f"bot{n}@Spam.Example")  # 12.2%
    stored(petition, 19, start=TEN + datetime.timedelta(hours=1), ip_hash="office")  # too few
    rows = selectors.trending_signers(
        petition=petition, since=TEN - datetime.timedelta(hours=3), until=TEN + 3 * selectors.HOUR
    )

    assert [(row.kind, row.value) for row in rows] == [
        (RuleKind.IP_HASH, "attacker"),
        (RuleKind.EMAIL_DOMAIN, "spam.example"),
    ]
    attacker = rows[0]
    assert attacker.hour == TEN
    assert attacker.hour_end == TEN + datetime.timedelta(hours=1)
    assert (attacker.count, attacker.hour_total, attacker.counted) == (30, 205, 30)
    assert attacker.share == pytest.approx(30 * 100 / 205)
    assert rows[1].count == 25


def test_a_big_domain_under_the_share_of_a_busy_hour_is_not_flagged(petition, thresholds):
    stored(petition, 275, start=TEN)
    stored(petition, 25, start=TEN, email=lambda n: f"user{n}@big.example")  # 25 of 300: 8.3%
    rows = selectors.trending_signers(petition=petition, since=TEN, until=TEN + selectors.HOUR)
    assert rows == []


def test_each_hour_is_judged_on_its_own_and_a_signature_on_the_hour_falls_in_the_next(
    petition, thresholds
):
    eleven = TEN + datetime.timedelta(hours=1)
    # 24 signatures from one connection in two minutes around 11:00, split 12 and 12.
    stored(
        petition,
        12,
        start=eleven - datetime.timedelta(minutes=1),
        ip_hash="edge",
        spread=datetime.timedelta(seconds=59),
    )
    stored(petition, 12, start=eleven, ip_hash="edge", spread=datetime.timedelta(minutes=1))
    # The next hour, the same connection does it again on its own: 20 of 30.
    stored(petition, 20, start=eleven + datetime.timedelta(hours=1), ip_hash="edge")
    stored(petition, 10, start=eleven + datetime.timedelta(hours=1))
    rows = selectors.trending_signers(
        petition=petition, since=TEN, until=TEN + datetime.timedelta(hours=4)
    )

    assert [(row.hour, row.value, row.count, row.hour_total) for row in rows] == [
        (eleven + datetime.timedelta(hours=1), "edge", 20, 30),
    ]


def test_suspect_and_invalidated_signatures_count_toward_trending_and_duplicates_do_not(
    petition, thresholds
):
    stored(petition, 100, start=TEN)
    stored(petition, 15, start=TEN, ip_hash="limited", state=SignatureState.SUSPECT)
    stored(petition, 10, start=TEN, ip_hash="limited", state=SignatureState.INVALIDATED)
    original = stored(petition, 1, start=TEN, ip_hash="repeat")[0]
    stored(
        petition,
        40,
        start=TEN,
        ip_hash="repeat",
        state=SignatureState.DUPLICATE,
        duplicate_of=original,
    )
    rows = selectors.trending_signers(petition=petition, since=TEN, until=TEN + selectors.HOUR)

    assert [(row.value, row.count, row.counted, row.hour_total) for row in rows] == [
        ("limited", 25, 0, 126)
    ]


def test_the_email_domain_is_the_lower_cased_part_after_the_last_at(petition, thresholds):
    stored(petition, 20, start=TEN, email=lambda n: f'"odd@local{n}"@Mail.Example.ORG')
    rows = selectors.trending_signers(petition=petition, since=TEN, until=TEN + selectors.HOUR)
    assert [(row.kind, row.value) for row in rows] == [(RuleKind.EMAIL_DOMAIN, "mail.example.org")]


def test_the_thresholds_come_from_the_abuse_settings(petition, thresholds):
    stored(petition, 170, start=TEN)
    stored(petition, 30, start=TEN, ip_hash="attacker")  # 15% of 200
    window = {"petition": petition, "since": TEN, "until": TEN + selectors.HOUR}
    assert len(selectors.trending_signers(**window)) == 1

    thresholds.trending_min_share_percent = 16
    thresholds.save()
    assert selectors.trending_signers(**window) == []

    thresholds.trending_min_share_percent = 10
    thresholds.trending_min_signatures = 31
    thresholds.save()
    assert selectors.trending_signers(**window) == []


def test_by_default_only_the_last_48_hours_are_looked_at(petition, thresholds):
    # Whole hours back from the start of this one, so that each burst falls in one hour
    # whatever the minute the test runs at (split over two, neither half would be flagged).
    now = datetime.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    stored(
        petition,
        30,
        start=now - datetime.timedelta(hours=50),
        ip_hash="old",
        spread=datetime.timedelta(minutes=5),
    )
    stored(
        petition,
        30,
        start=now - datetime.timedelta(hours=2),
        ip_hash="recent",
        spread=datetime.timedelta(minutes=5),
    )
    rows = selectors.trending_signers(petition=petition)
    assert [row.value for row in rows] == ["recent"]


def test_other_petitions_signatures_are_neither_flagged_nor_in_the_hour_total(petition, thresholds):
    other = PetitionPageFactory()
    stored(other, 500, start=TEN)
    stored(other, 30, start=TEN, ip_hash="elsewhere")
    stored(petition, 20, start=TEN, ip_hash="here")
    stored(petition, 20, start=TEN)
    rows = selectors.trending_signers(petition=petition, since=TEN, until=TEN + selectors.HOUR)
    assert [(row.value, row.hour_total) for row in rows] == [("here", 40)]


def test_a_period_longer_than_a_month_is_refused_rather_than_scanned(petition, thresholds):
    with pytest.raises(ValueError, match="744 hours at most"):
        selectors.trending_signers(
            petition=petition, since=TEN - datetime.timedelta(days=32), until=TEN
        )
    assert selectors.trending_signers(petition=petition, since=TEN, until=TEN) == []


def test_paper_signatures_typed_in_that_hour_do_not_hide_a_flood_of_online_ones(
    petition, thresholds
):
    stored(petition, 150, start=TEN)
    stored(petition, 30, start=TEN, ip_hash="attacker")  # 30 of 180 online: 16.7%
    sheet = PaperSheetFactory(petition=petition)
    # A sheet of 300 typed in within the same hour: no connection, no email.
    stored(petition, 300, start=TEN, ip_hash="", email="", source="paper", paper_sheet=sheet)

    rows = selectors.trending_signers(petition=petition, since=TEN, until=TEN + selectors.HOUR)

    assert [(row.value, row.count, row.hour_total) for row in rows] == [("attacker", 30, 180)]
