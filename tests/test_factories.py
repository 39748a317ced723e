"""The factories build valid objects that satisfy the models' constraints."""

import pytest

from tests.factories import PaperSignatureFactory, PetitionPageFactory, SignatureFactory
from undersigned.petitions.models import PetitionPage, Signature


@pytest.mark.django_db
def test_petition_factory_builds_a_live_open_petition_under_the_petitions_section():
    petition = PetitionPageFactory()
    petition.full_clean()
    assert petition.live
    assert petition.url.startswith("/petitions/")
    assert petition.is_accepting_signatures()
    assert PetitionPage.objects.count() == 1


@pytest.mark.django_db
def test_signature_factory_builds_a_counted_signature_that_passes_validation():
    signature = SignatureFactory()
    signature.full_clean()
    assert Signature.objects.get().state == "counted"


@pytest.mark.django_db
def test_paper_signature_factory_builds_a_paper_signature_on_a_sheet_of_its_petition():
    signature = PaperSignatureFactory()
    signature.full_clean()
    stored = Signature.objects.get()
    assert (stored.source, stored.email) == ("paper", "")
    assert stored.paper_sheet.petition_id == stored.petition_id
