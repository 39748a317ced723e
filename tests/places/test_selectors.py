"""Places reads: postcode lookups by primary key, wards, and finding a ward's team."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from tests.factories import PostcodeFactory, WardFactory, WardTeamPageFactory, ward_team_index
from undersigned.places import selectors

pytestmark = pytest.mark.django_db


FULL_WIDTH = "\uff25\uff22\uff11 \uff11\uff21\uff22"  # EB1 1AB from some phone keyboards


@pytest.mark.parametrize("typed", ["EB1 1AB", "eb11ab", "  Eb1   1ab ", FULL_WIDTH])
def test_a_postcode_is_found_however_it_was_typed(typed):
    stored = PostcodeFactory(postcode="EB1 1AB", ward=WardFactory())
    assert selectors.postcode_lookup(postcode=typed) == stored


def test_a_postcode_lookup_is_one_primary_key_query():
    PostcodeFactory(postcode="EB1 1AB")
    with CaptureQueriesContext(connection) as queries:
        selectors.postcode_lookup(postcode="eb1 1ab")
    assert len(queries) == 1
    assert "postcode" in queries[0]["sql"]


@pytest.mark.parametrize("typed", ["EB9 9ZZ", "not a postcode", ""])
def test_an_unknown_or_invalid_postcode_finds_nothing_without_asking_anyone(typed):
    PostcodeFactory(postcode="EB1 1AB")
    with CaptureQueriesContext(connection) as queries:
        assert selectors.postcode_lookup(postcode=typed) is None
    assert len(queries) == (1 if typed == "EB9 9ZZ" else 0)


def test_a_ward_is_found_by_its_code_and_an_unknown_code_finds_nothing():
    ward = WardFactory(code="E05099991", name="Northfield")
    assert selectors.ward_get(code="E05099991") == ward
    assert selectors.ward_get(code="E05000000") is None
    assert selectors.ward_get(code="") is None


def test_the_ward_of_a_postcode_needs_both_the_postcode_and_the_ward_name(db):
    ward = WardFactory()
    PostcodeFactory(postcode="EB1 1AB", ward=ward)
    PostcodeFactory(postcode="EB1 2DE", ward_code="E05999999")  # names not imported yet

    assert selectors.ward_for_postcode(postcode="eb11ab") == ward
    assert selectors.ward_for_postcode(postcode="EB1 2DE") is None


def test_a_postcode_leads_to_its_wards_published_team(home):
    team = WardTeamPageFactory()
    PostcodeFactory(postcode="EB1 1AB", ward=team.ward)

    found = selectors.ward_team_for_postcode(postcode="eb1 1ab")

    assert found.pk == team.pk
    assert found.ward == team.ward


def test_a_draft_team_is_not_found_for_a_postcode(home):
    team = WardTeamPageFactory(live=False)
    PostcodeFactory(postcode="EB1 1AB", ward=team.ward)
    assert selectors.ward_team_for_postcode(postcode="EB1 1AB") is None


def test_a_postcode_in_a_ward_without_a_team_finds_no_team(home):
    PostcodeFactory(postcode="EB1 1AB", ward=WardFactory())
    assert selectors.ward_team_for_postcode(postcode="EB1 1AB") is None
    assert selectors.ward_team_for_postcode(postcode="EB9 9ZZ") is None


def test_only_wards_with_a_published_team_are_offered_by_name(home):
    castle = WardTeamPageFactory(ward=WardFactory(name="Castle Hill")).ward
    abbey = WardTeamPageFactory(ward=WardFactory(name="Abbey")).ward
    WardTeamPageFactory(ward=WardFactory(name="Draft Ward"), live=False)
    WardFactory(name="No Team")

    assert list(selectors.ward_list_with_team()) == [abbey, castle]


def test_the_team_list_is_the_sections_published_teams_by_title(home):
    old_town = WardTeamPageFactory(title="Old Town")
    castle = WardTeamPageFactory(title="Castle Hill")
    WardTeamPageFactory(title="Draft", live=False)

    teams = selectors.ward_team_list(index=ward_team_index())

    assert [team.pk for team in teams] == [castle.pk, old_town.pk]


def test_the_ward_teams_section_of_a_site_is_found(home):
    index = ward_team_index()
    site = Site.objects.get(is_default_site=True)
    assert selectors.ward_team_index_get(site=site).pk == index.pk

    index.unpublish()
    assert selectors.ward_team_index_get(site=site) is None
