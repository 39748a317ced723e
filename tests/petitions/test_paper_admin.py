"""The organiser's paper pages in the Wagtail admin, submitted as the pages render them."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import PaperSignatureFactory
from tests.html_forms import find_form, form_submit, form_submit_on, post_with_page_token
from undersigned.petitions import selectors
from undersigned.petitions.models import PaperSheet, PaperUpload, Signature

COLLECTED = "2026-11-28"


def grid_url(petition) -> str:
    return reverse("petitions_admin:paper_sheet", args=[petition.pk])


def upload_url(petition) -> str:
    return reverse("petitions_admin:paper_upload", args=[petition.pk])


def typed(rows: list[tuple[str, str, str]], **sheet) -> dict[str, str]:
    data = {"reference": "Stall 3", "collected_on": COLLECTED, **sheet}
    for index, (name, address, postcode) in enumerate(rows):
        data |= {
            f"row-{index}-name": name,
            f"row-{index}-address": address,
            f"row-{index}-postcode": postcode,
        }
    return data


def csv_file(*lines: str, name: str = "stall.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\r\n".join(lines) + "\r\n").encode(), "text/csv")


def test_the_overview_leads_to_a_petitions_paper_sheets(admin_client, petition):
    PaperSignatureFactory(petition=petition, paper_sheet__reference="Library steps")
    overview = admin_client.get(reverse("petitions_admin:overview")).content.decode()
    sheets_url = reverse("petitions_admin:paper", args=[petition.pk])
    assert f'href="{sheets_url}"' in overview

    sheets = admin_client.get(sheets_url).content.decode()
    assert "Library steps" in sheets
    assert "1 signature collected on paper counts" in sheets
    assert grid_url(petition) in sheets and upload_url(petition) in sheets


def test_the_grid_has_25_rows_a_reference_and_a_date(admin_client, petition):
    html = admin_client.get(grid_url(petition)).content.decode()
    form = find_form(html, grid_url(petition))
    names = {name for name, _value in form.fields}
    assert {
        f"row-{i}-{field}" for i in range(25) for field in ("name", "address", "postcode")
    } < names
    assert "row-25-name" not in names
    assert {"reference", "collected_on"} < names


def test_a_typed_sheet_with_mistakes_comes_back_marked_with_everything_typed(
    admin_client, petition
):
    rows = [
        ("Ada Lovelace", "1 High Street", "CR0 1NY"),
        ("Bob Mistake", "", "ZZ9 9ZZZ"),
        ("", "4 Station Road", ""),
    ]
    response = form_submit(admin_client, grid_url(petition), typed(rows))

    assert response.status_code == 200
    html = response.content.decode()
    assert not Signature.objects.exists()
    assert "2 rows need correcting; nothing was stored" in html
    for name, address, _postcode in rows:
        assert f'value="{name}"' in html and f'value="{address}"' in html
    assert 'value="ZZ9 9ZZZ"' in html
    assert 'value="Stall 3"' in html and f'value="{COLLECTED}"' in html
    invalid = re.findall(r'name="(row-\d+-\w+)"[^>]*aria-invalid="true"', html)
    assert invalid == ["row-1-postcode", "row-2-name"]
    assert "Row 2: Enter a real UK postcode" in html
    assert "Row 3: No name: type the signer&#x27;s name as written" in html

    fixed = form_submit_on(
        admin_client,
        response,
        {"row-1-postcode": "CR0 2AB", "row-2-name": "Carol Fixed"},
        follow=True,
    )

    assert fixed.redirect_chain[-1][0] == reverse("petitions_admin:paper", args=[petition.pk])
    assert "3 signatures stored, every one counted" in fixed.content.decode()
    sheet = PaperSheet.objects.get()
    assert sheet.entered_by.username == "organiser"
    assert sorted(sheet.signatures.values_list("name", flat=True)) == [
        "Ada Lovelace",
        "Bob Mistake",
        "Carol Fixed",
    ]
    assert selectors.signature_count(petition=petition) == 3


def test_enter_without_the_grids_script_checks_the_rows_and_stores_nothing(admin_client, petition):
    """Without JavaScript, Enter presses the form's first button: a half-typed sheet is
    checked and comes back whole; only "Save the sheet" stores it."""
    html = admin_client.get(grid_url(petition)).content.decode()
    assert find_form(html, grid_url(petition)).submit_buttons[0][0] == "check_only"
    rows = [("Ada Lovelace", "1 High Street", "CR0 1NY"), ("Bob Baker", "", "CR0 2AB")]

    checked = form_submit(admin_client, grid_url(petition), typed(rows), button="check_only")

    assert checked.status_code == 200
    assert not Signature.objects.exists() and not PaperSheet.objects.exists()
    page = checked.content.decode()
    assert "2 rows checked and ready; nothing is stored until you press" in page
    assert 'value="Ada Lovelace"' in page and 'value="Bob Baker"' in page

    saved = form_submit_on(
        admin_client,
        checked,
        {"row-2-name": "Carol Clark", "row-2-postcode": "CR0 1NY"},
        follow=True,
    )

    page = saved.content.decode()
    assert "3 signatures stored" in page
    assert selectors.signature_count(petition=petition) == 3


def test_a_sheet_without_its_reference_or_date_is_marked_there(admin_client, petition):
    response = form_submit(
        admin_client,
        grid_url(petition),
        typed([("Ada Lovelace", "", "CR0 1NY")], reference="", collected_on="31/02/2026"),
    )
    html = response.content.decode()
    assert "Enter the sheet&#x27;s reference" in html
    assert "Enter the date collected as a real date" in html
    assert 'value="Ada Lovelace"' in html
    assert not Signature.objects.exists()


def test_an_upload_is_reported_then_stored_on_confirmation(admin_client, petition):
    file = csv_file(
        "Name,Address,Postcode",
        "Ada Lovelace,,CR0 1NY",
        "Bad Postcode,,QQ1",
        '=HYPERLINK("http://example.com"),,CR0 1NY',
        "Alan Turing,3 Mill Lane,",
    )
    report = form_submit(
        admin_client, upload_url(petition), {"file": file, "collected_on": COLLECTED}, follow=True
    )

    html = report.content.decode()
    assert "2 rows will be stored." in html
    assert "Nobody among them has signed before: the count will go up by 2." in html
    assert "2 rows will not be stored" in html
    assert "Enter a real UK postcode" in html and "spreadsheet formula" in html
    assert "QQ1" in html
    assert not Signature.objects.exists()

    stored = form_submit_on(admin_client, report, action=report.redirect_chain[-1][0], follow=True)

    assert "Sheet “stall.csv”: 2 signatures stored" in stored.content.decode()
    assert selectors.signature_count(petition=petition) == 2
    assert not PaperUpload.objects.exists()

    # A second click on "Store" (the form sent again) stores nothing more.
    again = form_submit_on(admin_client, report, action=report.redirect_chain[-1][0], follow=True)
    assert "no longer waiting" in again.content.decode()
    assert Signature.objects.count() == 2


def test_the_same_file_uploaded_again_is_refused(admin_client, petition):
    lines = ("Name,Address,Postcode", "Ada Lovelace,,CR0 1NY")
    report = form_submit(
        admin_client,
        upload_url(petition),
        {"file": csv_file(*lines), "collected_on": COLLECTED},
        follow=True,
    )
    form_submit_on(admin_client, report, action=report.redirect_chain[-1][0])

    again = form_submit(
        admin_client,
        upload_url(petition),
        {"file": csv_file(*lines, name="copy.csv"), "collected_on": COLLECTED},
    )

    assert again.status_code == 200
    assert "This file was already stored on" in again.content.decode()
    assert Signature.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Name;Postcode\r\nAda;CR0 1NY\r\n", "no column headed “Address”"),
        ("Name,Address,Postcode\r\nZoë,,CR0 1NY\r\n".encode("cp1252"), "not saved as UTF-8"),
        (b"PK\x03\x04broken", "could not be read as an Excel workbook"),
    ],
    ids=["missing column", "wrong encoding", "unreadable"],
)
def test_a_file_that_cannot_be_taken_is_refused_with_its_reason(
    admin_client, petition, content, message
):
    response = form_submit(
        admin_client,
        upload_url(petition),
        {"file": SimpleUploadedFile("sheet.csv", content), "collected_on": COLLECTED},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "nothing was stored" in html
    assert not PaperUpload.objects.exists()


def test_a_50_mb_file_is_refused_by_its_size(admin_client, petition):
    big = SimpleUploadedFile("huge.csv", b"Name,Address,Postcode\r\n" + b"x" * (50 * 1024 * 1024))
    response = form_submit(
        admin_client, upload_url(petition), {"file": big, "collected_on": COLLECTED}
    )
    assert "The file is larger than 5 MB" in response.content.decode()
    assert not PaperUpload.objects.exists()


def test_an_upload_is_only_for_the_organiser_who_made_it(admin_client, petition, organiser):
    other = get_user_model().objects.create_user("other", "other@example.org", "pw")
    staged = PaperUpload.objects.create(
        petition=petition,
        uploaded_by=other,
        file_name="x.csv",
        file_sha256="0" * 64,
        content=b"Name,Address,Postcode\r\nAda,,CR0 1NY\r\n",
        reference="x",
        collected_on=COLLECTED,
    )
    url = reverse("petitions_admin:paper_report", args=[petition.pk, staged.pk])
    response = admin_client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("petitions_admin:paper", args=[petition.pk])
    assert "no longer waiting" in response.content.decode()
    assert "x.csv" not in response.content.decode()


def test_someone_without_the_permission_cannot_enter_paper_signatures(petition):
    editor = get_user_model().objects.create_user("editor", "e@example.org", "pw")
    group = Group.objects.create(name="Paper-less editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    for url in (grid_url(petition), upload_url(petition)):
        assert client.get(url).status_code == 302
    refused = post_with_page_token(
        client,
        reverse("wagtailadmin_home"),
        grid_url(petition),
        typed([("Ada Lovelace", "", "CR0 1NY")]),
    )
    assert refused.status_code == 302
    assert not Signature.objects.exists()


def test_the_signature_list_shows_the_source_and_can_be_filtered_by_it(admin_client, petition):
    PaperSignatureFactory(petition=petition, name="Rosalind Franklin", paper_sheet__reference="S9")
    index = reverse("petitions_signature:index")
    html = admin_client.get(index, {"source": "paper"}).content.decode()
    assert "Rosalind Franklin" in html
    assert "Paper, sheet S9" in html


def test_a_paper_signature_is_inspected_with_its_source_and_sheet(admin_client, petition):
    signature = PaperSignatureFactory(petition=petition, paper_sheet__reference="Stall 12")
    html = admin_client.get(
        reverse("petitions_signature:inspect", args=[signature.pk])
    ).content.decode()
    assert "Paper" in html
    assert "Stall 12" in html


def test_an_excel_workbook_is_uploaded_like_a_csv(admin_client, petition):
    book = openpyxl.Workbook()
    for row in (
        ["Name", "Post code", "Address"],
        ["Ada Lovelace", "CR0 1NY", "1 High Street"],
        ['=HYPERLINK("http://example.com","Click")', "CR0 1NY", ""],
    ):
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    workbook = SimpleUploadedFile("stall.xlsx", content.getvalue())

    report = form_submit(
        admin_client,
        upload_url(petition),
        {"file": workbook, "collected_on": COLLECTED},
        follow=True,
    )
    html = report.content.decode()
    assert "1 row will be stored." in html
    assert "spreadsheet formula" in html

    form_submit_on(admin_client, report, action=report.redirect_chain[-1][0])
    assert list(Signature.objects.values_list("name", "source")) == [("Ada Lovelace", "paper")]
