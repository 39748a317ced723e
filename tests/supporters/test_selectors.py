"""Who an update goes to: each address once, only with consent, never invalidated."""

from __future__ import annotations

import pytest

from tests.factories import (
    ConfirmedSignerFactory,
    PetitionPageFactory,
    PetitionUpdateFactory,
    SignatureFactory,
    SupporterFactory,
    SupporterSignatureFactory,
)
from undersigned.petitions.models import SignatureState
from undersigned.supporters import ledger, selectors
from undersigned.supporters.models import ConsentSource

pytestmark = pytest.mark.django_db


def test_recipients_are_the_signers_who_asked_for_updates_each_address_once(petition):
    ConfirmedSignerFactory(petition=petition, email="counted@example.org")
    ConfirmedSignerFactory(
        petition=petition, email="counted@example.org", state=SignatureState.DUPLICATE
    )
    ConfirmedSignerFactory(
        petition=petition, email="again@example.org", state=SignatureState.DUPLICATE
    )
    ConfirmedSignerFactory(
        petition=petition, email="suspect@example.org", state=SignatureState.SUSPECT
    )

    update = PetitionUpdateFactory(petition=petition)

    emails = list(selectors.update_recipient_emails(update=update))

    assert emails == ["again@example.org", "counted@example.org", "suspect@example.org"]
    assert selectors.update_recipient_count(update=update) == 3


def test_recipients_leave_out_no_consent_unsubscribed_invalidated_unconfirmed_and_other_petitions(
    petition,
):
    ConfirmedSignerFactory(petition=petition, email="yes@example.org")
    SignatureFactory(petition=petition, email="no-box@example.org")
    ConfirmedSignerFactory(
        petition=petition, email="invalid@example.org", state=SignatureState.INVALIDATED
    )
    ConfirmedSignerFactory(petition=petition, email="gone@example.org")
    ledger.supporter_unsubscribe(
        email="gone@example.org", petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
    )
    ConfirmedSignerFactory(petition=PetitionPageFactory(), email="other@example.org")

    SupporterSignatureFactory(petition=petition, email="not-confirmed@example.org")
    SupporterFactory(email="not-confirmed@example.org", status="unconfirmed", confirmed_at=None)
    update = PetitionUpdateFactory(petition=petition)

    assert list(selectors.update_recipient_emails(update=update)) == ["yes@example.org"]


def test_a_supporter_wants_updates_until_they_unsubscribe(petition):
    ConfirmedSignerFactory(petition=petition, email="ada@example.org")

    assert selectors.supporter_wants_updates(email="Ada@Example.org", petition=petition)
    ledger.supporter_unsubscribe(
        email="ada@example.org", petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
    )
    assert not selectors.supporter_wants_updates(email="ada@example.org", petition=petition)
