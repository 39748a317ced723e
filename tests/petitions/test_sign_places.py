"""Signing stores where the signer lives: ward, constituency and council from the postcode."""

from __future__ import annotations

import pytest

from tests.factories import PostcodeFactory, WardFactory
from tests.signing import sign
from undersigned.petitions.models import SignatureState

pytestmark = pytest.mark.django_db


@pytest.fixture
def northfield_postcode(db):
    ward = WardFactory(code="E05099991", name="Northfield", local_authority__code="E09000099")
    return PostcodeFactory(postcode="EB1 1AB", ward=ward, constituency_code="E14099991")


def test_signing_with_a_known_postcode_stores_its_ward_constituency_and_council(
    petition, northfield_postcode
):
    signature = sign(petition, postcode="eb11ab")
    signature.refresh_from_db()

    assert signature.postcode == "EB1 1AB"
    assert signature.ward_code == "E05099991"
    assert signature.constituency_code == "E14099991"
    assert signature.local_authority_code == "E09000099"


def test_a_postcode_found_in_the_address_also_gives_the_ward(petition, northfield_postcode):
    signature = sign(petition, address="1 Mill Lane\nExample Town\neb1 1ab")
    assert signature.ward_code == "E05099991"


def test_signing_with_a_postcode_we_do_not_know_leaves_the_areas_empty(
    petition, northfield_postcode
):
    signature = sign(petition, postcode="CR0 1NY")
    signature.refresh_from_db()

    assert signature.postcode == "CR0 1NY"
    assert (
        signature.ward_code,
        signature.constituency_code,
        signature.local_authority_code,
    ) == ("", "", "")


def test_a_duplicate_signature_is_placed_in_the_same_ward(petition, northfield_postcode):
    sign(petition, postcode="EB1 1AB")
    duplicate = sign(petition, postcode="EB1 1AB")

    assert duplicate.state != SignatureState.COUNTED
    assert duplicate.ward_code == "E05099991"
