"""Paper signatures are kept and erased as any other: retention anonymises them with the rest,
and erasing a person (by name and postcode) deletes what they signed on paper. Neither needed
a change for paper: both work on every signature of a petition or a person."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.factories import PaperSignatureFactory, SignatureFactory
from undersigned.petitions import selectors
from undersigned.petitions.models import PaperSheet, PetitionPage, PetitionState, Signature
from undersigned.supporters import retention
from undersigned.supporters.erasure import personal_data_erase
from undersigned.supporters.subject_access import data_subject_build


def test_retention_anonymises_paper_signatures_and_keeps_their_sheet_and_count(petition):
    PaperSignatureFactory(petition=petition, name="Ada Lovelace", address="1 High Street")
    SignatureFactory(petition=petition)
    handed_in = timezone.now() - datetime.timedelta(days=800)
    PetitionPage.objects.filter(pk=petition.pk).update(
        state=PetitionState.HANDED_IN, closed_at=handed_in, handed_in_at=handed_in
    )

    assert retention.signatures_anonymise_expired() == 2

    on_paper = Signature.objects.get(source="paper")
    assert (on_paper.name, on_paper.address, on_paper.postcode) == ("", "", "")
    assert on_paper.anonymised_at is not None
    assert on_paper.paper_sheet == PaperSheet.objects.get()
    selectors.petition_counts_forget(petition=petition)
    assert selectors.signature_count(petition=petition) == 2
    assert selectors.signature_count_paper(petition=petition) == 1


def test_erasing_a_person_deletes_what_they_signed_on_paper(petition):
    PaperSignatureFactory(petition=petition, name="Ada Lovelace", postcode="CR0 1NY")
    PaperSignatureFactory(petition=petition, name="Alan Turing", postcode="CR0 1NY")

    personal_data_erase(subject=data_subject_build(name="ada lovelace", postcode="cr0 1ny"))

    assert list(Signature.objects.values_list("name", flat=True)) == ["Alan Turing"]
