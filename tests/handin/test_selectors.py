"""What the hand-in pack reads: the names it gives the signers' wards, and what became of
every signature received (the cover's figures and the admin hand-in page's)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import PetitionPageFactory, SignatureFactory
from undersigned.handin import selectors
from undersigned.handin.selectors import ward_names
from undersigned.petitions import services as petition_services
from undersigned.petitions.models import Signature, SuspectReason
from undersigned.petitions.services import SignerDetails

pytestmark = pytest.mark.django_db

BOUNDARIES = Path(__file__).parents[1] / "places" / "fixtures" / "wards-2024.geojson"


def test_a_ward_named_only_by_the_boundaries_file_has_that_name_in_the_pack():
    # No names-and-codes files were loaded: the boundaries file's WD24NM is all there is.
    call_command("import_boundaries", str(BOUNDARIES), stdout=StringIO())
    petition = PetitionPageFactory()
    SignatureFactory(petition=petition, ward_code="E05099993", postcode="EB3 1AB")

    assert ward_names(petition=petition) == {"E05099993": "Castle Hill"}


def held_back_twice(petition) -> None:
    """One signature held back by the honeypot (through the sign flow), one by a rate limit."""
    petition_services.sign(
        petition=petition,
        signer=SignerDetails(name="Robot Filler", postcode="CR0 1NY", email="bot@example.org"),
        ip_hash="honeypot",
        honeypot="http://spam.example",
    )
    SignatureFactory(
        petition=petition,
        state="suspect",
        suspect_reason=SuspectReason.PETITION_RATE_LIMIT,
    )


def test_the_tally_says_what_became_of_every_signature_received(signed_petition):
    held_back_twice(signed_petition)
    petition_services.signature_invalidate(
        signature=Signature.objects.get(petition=signed_petition, name="Mary Seacole")
    )

    tally = selectors.signature_tally(petition=signed_petition)

    assert (tally.counted, tally.duplicates, tally.held_back, tally.invalidated) == (2, 1, 2, 2)
    assert tally.received == Signature.objects.filter(petition=signed_petition).count() == 7


def test_the_tally_of_a_pack_leaves_out_what_was_signed_after_its_snapshot(signed_petition):
    last = selectors.signature_snapshot_id(petition=signed_petition)
    held_back_twice(signed_petition)
    SignatureFactory(petition=signed_petition)

    then = selectors.signature_tally(petition=signed_petition, last_signature_id=last)
    now = selectors.signature_tally(petition=signed_petition)

    assert (then.received, then.held_back, then.counted) == (5, 0, 3)
    assert (now.received, now.held_back, now.counted) == (8, 2, 4)
