"""The hand-in PDF: what a council officer reads on the cover and in the list, and what never
appears in it (email addresses; postal addresses unless asked for)."""

from __future__ import annotations

import re

import pytest

from tests.factories import HandinPackFactory, LocalAuthorityFactory, SignatureFactory
from tests.handin.conftest import file_path, pdf_text
from tests.handin.test_selectors import held_back_twice
from undersigned.handin import build
from undersigned.handin.models import HandinPackState
from undersigned.petitions.models import PetitionPage

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def built_text(petition, **kwargs) -> str:
    pack = build.handin_pack_build(pack=HandinPackFactory(petition=petition, **kwargs))
    assert pack.state == HandinPackState.READY
    return pdf_text(file_path(pack.pdf_file))


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_cover_shows_the_statement_the_parties_and_the_totals(signed_petition):
    text = words(built_text(signed_petition))
    assert signed_petition.title in text
    assert signed_petition.statement in text
    assert "Addressed to Example Borough Council" in text
    assert "Organised by Northfield Residents" in text
    assert "3 valid signatures" in text
    assert "1 duplicate removed" in text
    assert "Signatures received 5" in text


def test_the_cover_says_what_became_of_every_signature_and_the_parts_add_up(signed_petition):
    held_back_twice(signed_petition)  # one by the honeypot, one by a rate limit
    text = words(built_text(signed_petition))

    assert "set aside by the organisers" not in text
    found = {
        label: int(re.search(re.escape(label) + r"[^0-9]*?(\d+)", text).group(1))
        for label in [
            "Valid: one per person",
            "Duplicates:",
            "Held back automatically as suspected abuse",
            "Invalidated by the organisers",
            "Signatures received",
        ]
    }
    assert found == {
        "Valid: one per person": 3,
        "Duplicates:": 1,
        "Held back automatically as suspected abuse": 2,
        "Invalidated by the organisers": 1,
        "Signatures received": 7,
    }


def test_the_cover_has_a_table_of_signatures_by_ward(signed_petition):
    text = words(built_text(signed_petition))
    assert "Signatures by ward" in text
    assert "Northfield 2 66.7%" in text
    assert "Riverside 1 33.3%" in text
    assert "All valid signatures 3 100%" in text


@pytest.mark.skipif(
    not hasattr(PetitionPage, "target_local_authority"), reason="no target council area yet"
)
def test_the_cover_says_how_many_signed_from_inside_the_target_area(signed_petition):
    borough = LocalAuthorityFactory(code="E09900001", name="Example Borough")
    signed_petition.target_local_authority = borough
    signed_petition.save()
    signed_petition.signatures.filter(name__in=["Grace Hopper", "Alan Turing"]).update(
        local_authority_code=borough.code
    )
    text = words(built_text(signed_petition))
    assert "2 with a postcode in Example Borough" in text
    assert "66.7% of the valid signatures" in text


def test_the_list_numbers_only_counted_signatures_in_signing_order(signed_petition):
    text = built_text(signed_petition)
    lines = [words(line) for line in text.splitlines() if re.match(r"\s*\d+\s+\w", line)]
    listed = [line for line in lines if "CR0 1NY" in line]
    assert [line.split(" CR0 1NY")[0] for line in listed] == [
        "1 Grace Hopper",
        "2 Alan Turing",
        "3 Mary Seacole",
    ]
    assert "Ivy Invalid" not in text
    assert text.count("Grace Hopper") == 1


def test_no_email_address_appears_anywhere_in_the_pdf(signed_petition):
    text = built_text(signed_petition, include_addresses=True)
    assert EMAIL.findall(text) == []
    for email in signed_petition.signatures.values_list("email", flat=True):
        assert email not in text


def test_postal_addresses_appear_only_when_the_organiser_asks_for_them(signed_petition):
    assert "Acacia" not in built_text(signed_petition)
    with_addresses = words(built_text(signed_petition, include_addresses=True))
    assert "12 Acacia Avenue, Northfield" in with_addresses
    assert "3 Mill Lane" in with_addresses


def test_every_page_has_the_title_at_the_top_and_page_n_of_m_at_the_foot(petition, settings):
    settings.UNDERSIGNED_HANDIN_PAGES_PER_PART = 1  # several parts, joined
    for n in range(100):
        SignatureFactory(petition=petition, name=f"Signer Number{n}")
    pack = build.handin_pack_build(pack=HandinPackFactory(petition=petition))
    pages = pdf_text(file_path(pack.pdf_file)).split("\f")[: pack.pdf_pages]
    assert pack.pdf_pages == 4  # the cover, then 41 + 45 + 14 rows
    for number, page in enumerate(pages, start=1):
        assert petition.title in page
        assert f"Page {number} of 4" in page
    assert "100 Signer Number99" in words(pages[3])


def test_the_list_can_be_laid_out_in_worker_processes(petition, settings):
    settings.UNDERSIGNED_HANDIN_PAGES_PER_PART = 1
    settings.UNDERSIGNED_HANDIN_PDF_PROCESSES = 2
    for n in range(50):
        SignatureFactory(petition=petition, name=f"Signer Number{n}")
    pack = build.handin_pack_build(pack=HandinPackFactory(petition=petition))
    text = words(pdf_text(file_path(pack.pdf_file)))
    assert pack.pdf_pages == 3
    assert text.index("1 Signer Number0") < text.index("42 Signer Number41")
    assert "50 Signer Number49" in text
