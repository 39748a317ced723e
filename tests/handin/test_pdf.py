"""The hand-in PDF: what a council officer reads on the cover and in the list, and what never
appears in it (email addresses; postal addresses unless asked for)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import (
    HandinPackFactory,
    LocalAuthorityFactory,
    PaperSheetFactory,
    SignatureFactory,
    WardFactory,
)
from tests.handin.conftest import file_path, pdf_text
from tests.handin.test_selectors import held_back_twice
from undersigned.handin import build, pdf
from undersigned.handin.models import HandinPackState
from undersigned.handin.selectors import Signatory
from undersigned.petitions.models import PetitionPage, Signature, SignatureSource

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
    assert pack.pdf_pages == 4  # the cover, then 43 rows under the list's heading, 45, 12
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


# Names from many alphabets; each is also given with a number, to tell the rows apart.
NAMES = ["Zoë Ó Súilleabháin", "Jan ŁÓŹ", "王小明", "محمد الأحمد", "Grace O'Brien-Hopper"]
# One word far wider than the name column, which must break inside it instead of spilling over.
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessen"


@pytest.fixture
def thousand_signers(petition):
    """1,000 counted signatures: names in several alphabets, one very long; addresses of one
    to three lines; every 50th collected on paper."""
    ward = WardFactory(code="E05900006", name="Market Square and St Anne's")
    sheet = PaperSheetFactory(
        petition=petition, reference="Stall 9", collected_on=datetime.date(2026, 11, 28)
    )
    start = timezone.now() - datetime.timedelta(days=20)
    signatures = []
    for n in range(1, 1001):
        on_paper = n % 50 == 0
        name = LONG_NAME if n == 500 else f"{NAMES[n % len(NAMES)]} {n}"
        signatures.append(
            SignatureFactory.build(
                petition=petition,
                name=name,
                address="\n".join(["12 High Street", "Northfield", "Exampletown"][: n % 3 + 1]),
                ward_code=ward.code if n % 4 == 0 else "",
                created_at=start + datetime.timedelta(minutes=n),
                email="" if on_paper else f"signer{n}@example.org",
                source=SignatureSource.PAPER if on_paper else SignatureSource.ONLINE,
                paper_sheet=sheet if on_paper else None,
            )
        )
    Signature.objects.bulk_create(signatures)
    return petition


def list_rows(pages: list[str]) -> list[dict[int, str]]:
    """The rows of the list on each page of ``pdftotext -raw``, by number: a row starts with
    the line that starts with the next number (an address, or a name's own number after a
    right-to-left name, may start a line too), and runs to the next row."""
    expected, rows = 1, []
    for page in pages:
        rows.append({})
        for line in page.splitlines():
            if line.startswith(f"{expected:,} "):
                rows[-1][expected] = line
                expected += 1
            elif rows[-1]:
                rows[-1][expected - 1] += "\n" + line
    return rows


@pytest.mark.parametrize("include_addresses", [False, True])
def test_a_list_of_a_thousand_names_has_every_name_and_every_page_numbered(
    thousand_signers, settings, include_addresses
):
    settings.UNDERSIGNED_HANDIN_PAGES_PER_PART = 7  # the list in parts, joined
    pack = build.handin_pack_build(
        pack=HandinPackFactory(petition=thousand_signers, include_addresses=include_addresses)
    )
    path = file_path(pack.pdf_file)
    text = pdf_text(path)
    flat = words(text)
    assert thousand_signers.statement in flat
    assert "1,000 valid signatures" in flat
    assert "Signatures received 1,000" in flat
    assert "End of the list: 1,000 signatories." in flat

    # Every page, and only those: "Page N of M" at the foot of each.
    total = len(PdfReader(path).pages)
    assert pack.pdf_pages == total
    pages = text.split("\f")[:total]
    for number, page in enumerate(pages, start=1):
        assert thousand_signers.title in page
        assert f"Page {number:,} of {total:,}" in page

    # Every row once, in order, the pages full (none left with a few rows that did not fit).
    pages_rows = list_rows(pages[1:])
    assert [n for page in pages_rows for n in page] == list(range(1, 1001))
    fewest = 10 if include_addresses else 35
    assert all(fewest <= len(page) <= 45 for page in pages_rows[:-1])

    rows = {n: row for page in pages_rows for n, row in page.items()}
    for n, row in rows.items():
        if n == 500:
            continue
        name = f"{NAMES[n % len(NAMES)]} {n}"
        if "محمد" in name:
            # pdftotext gives right-to-left words in the order they are drawn, and the letters
            # of the lam-alef ligature the other way round (as it did from WeasyPrint).
            assert "محمد" in row
        else:
            assert name in words(row)  # on one line, or more in a narrow column
        assert ("Stall 9" in row) == (n % 50 == 0)
        assert ("Exampletown" in row) == (include_addresses and n % 3 == 2)
    # The long name breaks across lines of its cell, and nowhere else.
    assert LONG_NAME in "".join(text.split()).replace("\u200b", "")


def test_a_name_is_printed_as_written_never_read_as_typst_markup(petition):
    names = [
        "#sys.exit() ] [ *bold* _it_ $x^2$ <label> @ref \\ #{1 + 1}",
        '#pagebreak() #set text(size: 40pt) ") } ]',
        '#import "/etc/passwd"',
        "Ada\nLovelace\tKing",  # a line break typed in is a space
    ]
    for name in names:
        SignatureFactory(petition=petition, name=name)
    pack = build.handin_pack_build(pack=HandinPackFactory(petition=petition))
    raw = pdf_text(file_path(pack.pdf_file))
    text = words(raw)
    for name in names:
        assert words(name) in text
    assert "4 Ada Lovelace King CR0 1NY" in raw
    assert pack.pdf_pages == 2


def test_the_closing_line_of_the_list_is_never_alone_on_its_page():
    plan = pdf.ListPlan(include_addresses=False)
    signed = timezone.now()
    rows = [
        Signatory(number=n, name=f"Signer {n}", postcode="", ward="", address="", signed_at=signed)
        for n in range(1, pdf.ROWS_PER_PAGE + 1)
    ]
    full_page = pdf.PAGE_HEIGHT - pdf.HEADER_ROW - pdf.SPARE
    assert [len(page) for page in plan.pages(rows, first_page=full_page, end=0)] == [45]
    # No room left under the 45th row: it goes over with the closing line.
    assert [len(page) for page in plan.pages(rows, first_page=full_page, end=60)] == [44, 1]
