"""The petitions selectors: counting signatures (cached at peak), progress, listing petitions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    PaperSignatureFactory,
    PetitionPageFactory,
    SignatureFactory,
    petition_index,
)
from undersigned.petitions import selectors
from undersigned.petitions.models import PetitionState, SignatureState
from undersigned.petitions.services import name_key


@pytest.mark.django_db
def test_the_count_includes_only_counted_signatures_of_that_petition(petition):
    original = SignatureFactory(petition=petition, email="ada@example.org")
    SignatureFactory(petition=petition)
    SignatureFactory(
        petition=petition,
        email="ada@example.org",
        state=SignatureState.DUPLICATE,
        duplicate_of=original,
    )
    SignatureFactory(petition=petition, state=SignatureState.INVALIDATED)
    SignatureFactory(petition=petition, state=SignatureState.SUSPECT)
    SignatureFactory(petition=PetitionPageFactory())

    assert selectors.signature_count(petition=petition) == 2


@pytest.mark.django_db
def test_a_petition_nobody_has_signed_counts_zero(petition):
    assert selectors.signature_count(petition=petition) == 0


@pytest.mark.django_db
def test_without_a_cache_time_the_count_is_always_fresh(petition, settings):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 0
    assert selectors.signature_count(petition=petition) == 0

    SignatureFactory(petition=petition)

    assert selectors.signature_count(petition=petition) == 1


@pytest.mark.django_db
def test_with_a_cache_time_the_cached_count_is_served_until_it_is_forgotten(petition, settings):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    SignatureFactory(petition=petition)
    assert selectors.signature_count(petition=petition) == 1

    SignatureFactory(petition=petition)
    assert selectors.signature_count(petition=petition) == 1

    selectors.signature_count_forget(petition=petition)
    assert selectors.signature_count(petition=petition) == 2


@pytest.mark.django_db
def test_each_petition_has_its_own_cached_count(petition, settings):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    other = PetitionPageFactory()
    SignatureFactory(petition=petition)

    assert selectors.signature_count(petition=petition) == 1
    assert selectors.signature_count(petition=other) == 0


@pytest.mark.parametrize(
    ("count", "goal", "percent"),
    [
        (0, 100, 0),
        (1, 3, 33),
        (50, 100, 50),
        (99, 100, 99),
        (100, 100, 100),
        (250, 100, 100),
        (0, 0, 100),
        (5, 0, 100),
    ],
)
def test_progress_is_a_whole_percentage_capped_at_one_hundred(count, goal, percent):
    assert selectors.signature_progress_percent(count=count, goal=goal) == percent


@pytest.mark.django_db
def test_published_petitions_are_listed_open_first_then_newest_first_closed_by_date_too(home):
    now = timezone.now()
    old_open = PetitionPageFactory(created_at=now - timedelta(days=10))
    new_closed = PetitionPageFactory(state=PetitionState.CLOSED, created_at=now - timedelta(days=1))
    new_open = PetitionPageFactory(created_at=now - timedelta(days=2))
    old_handed_in = PetitionPageFactory(
        state=PetitionState.HANDED_IN, created_at=now - timedelta(days=20)
    )
    past_its_date = PetitionPageFactory(
        opened_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1), created_at=now
    )

    listed = list(selectors.petition_list_published(parent=petition_index()))

    assert listed == [new_open, old_open, past_its_date, new_closed, old_handed_in]


@pytest.mark.django_db
def test_the_public_list_is_newest_first_and_filters_by_how_a_petition_reads_now(home):
    now = timezone.now()
    handed_in = PetitionPageFactory(state=PetitionState.HANDED_IN, created_at=now - timedelta(3))
    closed = PetitionPageFactory(state=PetitionState.CLOSED, created_at=now - timedelta(2))
    past_its_date = PetitionPageFactory(
        opened_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1), created_at=now
    )
    still_open = PetitionPageFactory(
        closes_at=now + timedelta(days=1), created_at=now - timedelta(1)
    )
    PetitionPageFactory(live=False, created_at=now)

    def listed(status=None) -> list:
        return list(selectors.petition_list_public(status=status))

    assert listed() == [past_its_date, still_open, closed, handed_in]
    assert listed(PetitionState.OPEN) == [still_open]
    assert listed(PetitionState.CLOSED) == [past_its_date, closed]
    assert listed(PetitionState.HANDED_IN) == [handed_in]


@pytest.mark.django_db
def test_paper_counts_of_many_petitions_come_from_the_same_cache_as_each_ones(home, settings):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    first, second = PetitionPageFactory(), PetitionPageFactory()
    PaperSignatureFactory(petition=first)
    SignatureFactory(petition=first)
    assert selectors.signature_count_paper(petition=first) == 1  # now cached
    PaperSignatureFactory(petition=first)
    PaperSignatureFactory(petition=second)

    counts = selectors.signature_counts_paper(petitions=[first, second])

    assert counts == {first.pk: 1, second.pk: 1}
    assert selectors.signature_count_paper(petition=second) == 1


@pytest.mark.django_db
def test_unpublished_petitions_are_not_listed(home):
    shown = PetitionPageFactory()
    PetitionPageFactory(live=False)

    assert list(selectors.petition_list_published()) == [shown]


@pytest.mark.django_db
def test_a_live_petition_is_found_by_its_slug_and_an_unpublished_one_is_not(home):
    live = PetitionPageFactory(slug="save-the-park")
    PetitionPageFactory(slug="hidden-petition", live=False)

    assert selectors.petition_get_live(slug="save-the-park") == live
    assert selectors.petition_get_live(slug="hidden-petition") is None
    assert selectors.petition_get_live(slug="no-such-petition") is None


@pytest.mark.django_db
def test_one_persons_signatures_are_found_by_email_in_any_case_or_by_folded_name_and_postcode(
    petition,
):
    other = PetitionPageFactory()
    by_email = SignatureFactory(petition=petition, email="Ada@Example.org")
    by_name = SignatureFactory(
        petition=other, name="ADA  lovelace", name_key=name_key("ADA  lovelace"), email=""
    )
    SignatureFactory(petition=other, name="Ada Lovelace", postcode="SW1A 1AA")

    found = selectors.signature_list_for_person(
        email="ada@example.org", name_key=name_key("Ada Lovelace"), postcode="CR0 1NY"
    )

    assert set(found) == {by_email, by_name}
    assert list(selectors.signature_list_for_person(email="", name_key="", postcode="")) == []
    assert list(selectors.signature_list_for_person(name_key=name_key("Ada Lovelace"))) == []
