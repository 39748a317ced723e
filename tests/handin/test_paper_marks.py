"""Paper signatures in the hand-in pack: counted in its totals, and each marked in its list
with the sheet it was collected on, so that the council can check it against the original."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from tests.factories import HandinPackFactory, PaperSheetFactory, PaperSignatureFactory
from tests.handin.conftest import file_path, pdf_text
from undersigned.handin import build, selectors
from undersigned.petitions.models import SignatureState


@pytest.fixture
def petition_with_paper(signed_petition):
    """The three online signers of ``signed_petition``, then two on paper and a duplicate."""
    sheet = PaperSheetFactory(
        petition=signed_petition, reference="Stall 7", collected_on=datetime.date(2026, 11, 28)
    )
    PaperSignatureFactory(petition=signed_petition, paper_sheet=sheet, name="Rosalind Franklin")
    PaperSignatureFactory(petition=signed_petition, paper_sheet=sheet, name="=HYPERLINK(1)")
    PaperSignatureFactory(
        petition=signed_petition,
        paper_sheet=sheet,
        name="Mary Seacole",
        state=SignatureState.DUPLICATE,
    )
    return signed_petition


def test_the_tally_counts_paper_signatures_among_the_valid_ones(petition_with_paper):
    tally = selectors.signature_tally(petition=petition_with_paper)
    assert (tally.counted, tally.counted_on_paper, tally.duplicates) == (5, 2, 2)
    assert tally.received == 8


def test_the_csv_marks_each_paper_signature_with_its_sheet_and_disarms_what_was_typed(
    petition_with_paper,
):
    pack = build.handin_pack_build(pack=HandinPackFactory(petition=petition_with_paper))
    rows = list(csv.reader(io.StringIO(file_path(pack.csv_file).read_text("utf-8-sig"))))

    header = rows[0]
    marks = [(row[header.index("name")], *row[header.index("source") :]) for row in rows[1:]]
    assert marks == [
        ("Grace Hopper", "online", "", ""),
        ("Alan Turing", "online", "", ""),
        ("Mary Seacole", "online", "", ""),
        ("Rosalind Franklin", "paper", "Stall 7", "2026-11-28"),
        ("'=HYPERLINK(1)", "paper", "Stall 7", "2026-11-28"),
    ]


def test_the_pdf_gives_the_paper_total_and_the_sheet_of_each_paper_signature(
    petition_with_paper,
):
    pack = build.handin_pack_build(pack=HandinPackFactory(petition=petition_with_paper))
    text = " ".join(pdf_text(file_path(pack.pdf_file)).split())

    assert "5 valid signatures" in text
    assert "2 of them on paper" in text
    assert "of which collected on paper" in text
    listed = text[text.index("All 5 valid signatures") :]
    assert "Paper sheet Signed" in listed
    # Signed on paper: the sheet's reference, and the day it was collected.
    assert "Rosalind Franklin CR0 1NY Stall 7 28 Nov 2026" in listed
    assert "=HYPERLINK(1) CR0 1NY Stall 7 28 Nov 2026" in listed
    assert listed.count("Stall 7") == 2


def test_the_hand_in_page_says_how_many_valid_signatures_are_on_paper(
    admin_client, petition_with_paper
):
    html = admin_client.get(
        reverse("handin_admin:petition", args=[petition_with_paper.pk])
    ).content.decode()
    assert "5 valid (counted, and listed in a pack), of which 2 collected on paper" in html
