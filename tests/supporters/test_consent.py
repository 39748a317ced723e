"""The consent ledger: consent given on the sign form, withdrawn by unsubscribing."""

from __future__ import annotations

import pytest

from tests.factories import (
    PetitionPageFactory,
    PetitionUpdateFactory,
    SignatureFactory,
    SupporterSignatureFactory,
    UpdateDeliveryFactory,
)
from tests.signing import sign
from undersigned.petitions.models import SignatureState
from undersigned.site.errors import ApplicationError
from undersigned.supporters import consent, ledger
from undersigned.supporters.consent import UPDATES_CONSENT_VERSION
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentKind,
    ConsentScope,
    ConsentSource,
    DeliveryState,
    UpdateState,
)

pytestmark = pytest.mark.django_db


# Who signs in these tests, in the sign form's fields.
ADA = {"postcode": "CR0 1NY", "email": "Ada@Example.org"}


def test_signing_with_the_box_ticked_records_consent_with_the_exact_wording_and_version(petition):
    signature = sign(petition, **ADA, wants_updates=True)

    event = ConsentEvent.objects.get()
    assert event.kind == ConsentKind.GIVEN
    assert event.source == ConsentSource.SIGN_FORM
    assert event.scope == ConsentScope.PETITION_UPDATES
    assert event.email == "ada@example.org"
    assert event.petition_id == petition.pk
    assert event.signature_id == signature.pk
    assert event.wording == signature.consent_text
    assert "Northfield Residents" in event.wording
    assert event.wording_version == UPDATES_CONSENT_VERSION
    assert event.occurred_at == signature.consented_at


def test_signing_without_the_box_ticked_records_no_consent(petition):
    sign(petition, **ADA, wants_updates=False)

    assert not ConsentEvent.objects.exists()


def test_signing_again_with_the_box_ticked_records_consent_for_the_duplicate_too(petition):
    sign(petition, **ADA, wants_updates=False)
    duplicate = sign(petition, **ADA, wants_updates=True)

    assert duplicate.state == SignatureState.DUPLICATE
    event = ConsentEvent.objects.get()
    assert event.signature_id == duplicate.pk


def test_consent_cannot_be_recorded_for_a_signature_that_did_not_ask(petition):
    signature = SignatureFactory(petition=petition)

    with pytest.raises(ApplicationError):
        consent.consent_record_given(signature=signature)


def test_unsubscribing_withdraws_consent_on_every_signature_of_that_petition_only(petition):
    first = SupporterSignatureFactory(petition=petition, email="ada@example.org")
    again = SupporterSignatureFactory(
        petition=petition, email="ada@example.org", state=SignatureState.DUPLICATE
    )
    elsewhere = SupporterSignatureFactory(email="ada@example.org")

    event = ledger.supporter_unsubscribe(
        email=" Ada@Example.org ", petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
    )

    assert event.kind == ConsentKind.WITHDRAWN
    assert event.source == ConsentSource.UNSUBSCRIBE_LINK
    assert event.email == "ada@example.org"
    assert event.petition_id == petition.pk
    assert event.wording == first.consent_text
    assert event.wording_version == first.consent_version
    for signature in (first, again):
        signature.refresh_from_db()
        assert signature.wants_updates is False
        assert signature.consented_at is None
    elsewhere.refresh_from_db()
    assert elsewhere.wants_updates is True


def test_unsubscribing_twice_records_one_withdrawal_and_says_so_the_second_time(petition):
    SupporterSignatureFactory(petition=petition, email="ada@example.org")
    source = ConsentSource.UNSUBSCRIBE_LINK

    assert ledger.supporter_unsubscribe(email="ada@example.org", petition=petition, source=source)
    again = ledger.supporter_unsubscribe(email="ada@example.org", petition=petition, source=source)

    assert again is None
    assert ConsentEvent.objects.filter(kind=ConsentKind.WITHDRAWN).count() == 1


def test_unsubscribing_skips_updates_still_waiting_to_go_to_that_address(petition):
    SupporterSignatureFactory(petition=petition, email="ada@example.org")
    update = PetitionUpdateFactory(petition=petition, state=UpdateState.SENDING)
    waiting = UpdateDeliveryFactory(update=update, email="ada@example.org")
    other = UpdateDeliveryFactory(update=update, email="grace@example.org")

    ledger.supporter_unsubscribe(
        email="ada@example.org", petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
    )

    waiting.refresh_from_db()
    other.refresh_from_db()
    assert waiting.state == DeliveryState.SKIPPED
    assert other.state == DeliveryState.PENDING


def test_an_organiser_can_unsubscribe_someone_and_is_named_in_the_ledger(petition, organiser):
    SupporterSignatureFactory(petition=petition, email="ada@example.org")

    event = ledger.supporter_unsubscribe(
        email="ada@example.org",
        petition=petition,
        source=ConsentSource.ORGANISER,
        recorded_by=organiser,
    )

    assert event.source == ConsentSource.ORGANISER
    assert event.recorded_by == organiser


def test_an_unknown_source_of_withdrawal_is_refused(petition):
    SupporterSignatureFactory(petition=petition, email="ada@example.org")

    with pytest.raises(ApplicationError):
        ledger.supporter_unsubscribe(email="ada@example.org", petition=petition, source="magic")


def test_anonymising_a_petitions_records_keeps_what_was_agreed_but_not_whose_address(petition):
    sign(petition, **ADA, wants_updates=True)
    update = PetitionUpdateFactory(petition=petition)
    UpdateDeliveryFactory(update=update, email="ada@example.org")
    other_petition = PetitionPageFactory()
    sign(other_petition, **ADA, wants_updates=True)

    changed = ledger.supporter_records_anonymise(petition=petition)

    assert changed == 1
    event = ConsentEvent.objects.get(petition=petition)
    assert event.email == ""
    assert event.wording and event.wording_version
    assert not update.deliveries.exists()
    assert ConsentEvent.objects.get(petition=other_petition).email == "ada@example.org"
