"""Places' invariants hold in the database, and the places factories build valid rows."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import (
    ConstituencyFactory,
    LocalAuthorityFactory,
    PostcodeFactory,
    WardFactory,
    WardTeamMemberFactory,
    WardTeamPageFactory,
)
from undersigned.places.models import Postcode, WardTeamPage
from undersigned.places.postcodes import normalise_postcode

pytestmark = pytest.mark.django_db


def test_the_area_factories_build_rows_that_pass_validation():
    for area in (LocalAuthorityFactory(), ConstituencyFactory(), WardFactory()):
        area.full_clean()
    assert WardFactory().local_authority is not None


def test_the_postcode_factory_builds_normalised_postcodes_in_the_given_ward():
    ward = WardFactory()
    postcodes = PostcodeFactory.create_batch(50, ward=ward)
    for postcode in postcodes:
        postcode.full_clean()
        assert normalise_postcode(postcode.postcode) == postcode.postcode
        assert postcode.ward_code == ward.code
        assert postcode.local_authority_code == ward.local_authority_id
    assert Postcode.objects.count() == 50


def test_the_ward_team_factories_build_a_live_team_page_with_members(home):
    member = WardTeamMemberFactory()
    member.page.full_clean()
    assert member.page.live
    assert member.page.url.startswith("/ward-teams/")
    assert list(member.page.members.all()) == [member]


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"postcode": "CR01NY"}, "postcode_has_a_space"),
        ({"postcode": "CR0 1NY", "latitude": 51.37, "longitude": None}, "postcode_location_both"),
        ({"postcode": "CR0 1NY", "latitude": 91.0, "longitude": 0.0}, "postcode_location_in_range"),
    ],
)
def test_the_database_refuses_a_postcode_that_breaks_a_rule(fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Postcode.objects.create(**{"latitude": None, "longitude": None, **fields})


def test_a_postcode_may_have_no_location():
    Postcode.objects.create(postcode="CR0 1NY", ward_code="E05000001")
    assert Postcode.objects.get().latitude is None


def test_the_database_refuses_an_empty_area_code():
    with pytest.raises(IntegrityError, match="ward_code_not_empty"), transaction.atomic():
        WardFactory(code="")


def test_two_team_pages_cannot_look_after_one_ward(home):
    first = WardTeamPageFactory()

    second = WardTeamPageFactory.build(ward=first.ward)
    with pytest.raises(ValidationError) as error:
        second.clean()
    assert first.title in str(error.value)

    # PostgreSQL names the constraint; SQLite names the column of its unique index.
    unique = "one_team_page_per_ward|places_wardteampage.ward_id"
    with pytest.raises(IntegrityError, match=unique), transaction.atomic():
        WardTeamPage.objects.filter(pk=WardTeamPageFactory().pk).update(ward=first.ward)


def test_a_member_phone_number_becomes_a_tel_link_of_digits(home):
    member = WardTeamMemberFactory(phone="020 7946-0101 ")
    assert member.phone_link == "02079460101"


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Cllr Priya Shah", "PS"), ("Tom Okafor", "TO"), ("Cher", "C"), ("Dr. Ann Mary Lee", "AL")],
)
def test_a_member_without_a_photo_is_shown_by_initials_without_their_title(name, initials):
    assert WardTeamMemberFactory.build(name=name).initials == initials
