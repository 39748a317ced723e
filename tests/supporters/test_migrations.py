"""Signers who ticked "keep me up to date" before the supporter list existed join it."""

from __future__ import annotations

import datetime
import importlib

from django.apps import apps
from django.utils import timezone

from tests.factories import (
    PetitionPageFactory,
    SignatureFactory,
    SupporterFactory,
    SupporterSignatureFactory,
)
from undersigned.supporters.models import Supporter, SupporterStatus

# The migration's function, run on today's models: migrating back and forth in a transactional
# test would leave the content types of the browser tests that follow it out of step.
MIGRATION = importlib.import_module(
    "undersigned.supporters.migrations.0005_supporters_from_earlier_consents"
)


def test_earlier_consents_join_the_list_waiting_for_confirmation(petition):
    other = PetitionPageFactory(title="Save the bandstand")
    earlier = timezone.now() - datetime.timedelta(days=30)
    SupporterSignatureFactory(
        petition=petition,
        email="ada@example.org",
        name="Ada Byron",
        postcode="CR0 1NY",
        ward_code="E05000001",
        created_at=earlier,
        consented_at=earlier,
    )
    SupporterSignatureFactory(
        petition=other, email="ada@example.org", name="Ada Lovelace", postcode="CR0 2AB"
    )
    SupporterSignatureFactory(petition=petition, email="gone@example.org", state="invalidated")
    SignatureFactory(petition=petition, email="no-box@example.org")
    SupporterFactory(email="grace@example.org", name="Grace Hopper")
    SupporterSignatureFactory(petition=petition, email="grace@example.org")

    MIGRATION.supporters_from_earlier_consents(apps, None)  # it does not alter the schema

    assert set(Supporter.objects.values_list("email", flat=True)) == {
        "ada@example.org",
        "grace@example.org",
    }
    ada = Supporter.objects.get(email="ada@example.org")
    assert ada.status == SupporterStatus.UNCONFIRMED
    assert ada.confirmation_sent_at is None and ada.confirmed_at is None
    assert (ada.source_petition_id, ada.signed_up_at) == (petition.pk, earlier)
    assert (ada.name, ada.postcode) == ("Ada Lovelace", "CR0 2AB")
    assert ada.reference and len(ada.reference) >= 20
    assert Supporter.objects.get(email="grace@example.org").status == SupporterStatus.CONFIRMED
