"""The supporters factories build rows that pass the database's own rules."""

from __future__ import annotations

import pytest

from tests.factories import (
    ConsentEventFactory,
    PetitionUpdateFactory,
    SupporterSignatureFactory,
    UpdateDeliveryFactory,
)
from undersigned.supporters.models import DeliveryState, UpdateState

pytestmark = pytest.mark.django_db


def test_the_supporters_factories_build_valid_rows(home):
    signature = SupporterSignatureFactory()
    event = ConsentEventFactory(petition=signature.petition, signature=signature)
    delivery = UpdateDeliveryFactory()

    for row in (signature, event, delivery.update, delivery):
        row.full_clean()
    assert signature.wants_updates and signature.consented_at and signature.consent_text
    assert delivery.update.state == UpdateState.DRAFT
    assert delivery.state == DeliveryState.PENDING
    assert PetitionUpdateFactory().subject
