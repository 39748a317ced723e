"""Paper signatures in Chromium: an organiser (not a superuser) types a sheet by keyboard and
uploads a typed-up file through the real Wagtail admin; a visitor who signed on paper signs
online too and is counted once. The browser sends the CSRF token the pages rendered."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, petitions_menu
from tests.factories import SignatureFactory
from undersigned.petitions import paper, selectors
from undersigned.petitions.models import PaperSheet, Signature, SignatureState

pytestmark = pytest.mark.browser

COLLECTED = "2026-11-28"


@pytest.fixture
def visitor_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _paper_page(page, petition) -> None:
    petitions_menu(page, "Overview")
    row = page.get_by_role("row").filter(has_text=petition.title)
    row.get_by_role("link", name="Paper signatures").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paper signatures")


def _count_shown(visitor_page, petition) -> str:
    visitor_page.goto(petition.url)
    return visitor_page.locator(".progress-card__count").first.inner_text()


def test_an_organiser_types_a_sheet_by_keyboard_fixes_two_mistakes_and_saves_it(
    organiser_page, visitor_page, campaign_petition, screenshot, serious_accessibility_problems
):
    SignatureFactory(petition=campaign_petition, name="Online Signer")
    assert _count_shown(visitor_page, campaign_petition).startswith("1 ")
    page = organiser_page
    _paper_page(page, campaign_petition)
    page.get_by_role("link", name="Enter a sheet").click()

    page.get_by_label("Sheet reference").fill("Library steps, Saturday")
    page.get_by_label("Date collected").fill(COLLECTED)
    page.get_by_role("textbox", name="Name, row 1", exact=True).click()
    for number in range(1, 21):
        # Row 5's postcode is mistyped; row 12's name was left out.
        name = "" if number == 12 else f"Paper Signer {number}"
        postcode = "CR0 1N" if number == 5 else f"cr0 {number % 10}ab"
        page.keyboard.type(name)
        page.keyboard.press("Tab")
        page.keyboard.type(f"{number} High Street")
        page.keyboard.press("Tab")
        page.keyboard.type(postcode)
        page.keyboard.press("Enter")  # on to the next row's name, not sending the form
    expect(page.get_by_role("textbox", name="Name, row 21", exact=True)).to_be_focused()
    page.get_by_role("button", name="Save the sheet").click()

    expect(page.get_by_role("alert")).to_contain_text("2 rows need correcting")
    assert not Signature.objects.filter(source="paper").exists()
    postcode_5 = page.get_by_role("textbox", name="Postcode, row 5", exact=True)
    name_12 = page.get_by_role("textbox", name="Name, row 12", exact=True)
    expect(postcode_5).to_have_attribute("aria-invalid", "true")
    expect(postcode_5).to_have_value("CR0 1N")
    expect(name_12).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Row 5: Enter a real UK postcode")).to_be_visible()
    expect(page.get_by_text("Row 12: No name: type the signer's name as written")).to_be_visible()
    expect(page.get_by_role("textbox", name="Name, row 20", exact=True)).to_have_value(
        "Paper Signer 20"
    )
    expect(page.get_by_label("Sheet reference")).to_have_value("Library steps, Saturday")
    screenshot(page, "organiser-paper-sheet-marked")
    # The grid as it comes back marked: every input named, each message tied to its box.
    assert serious_accessibility_problems(page) == []

    postcode_5.fill("CR0 1NY")
    name_12.fill("Paper Signer 12")
    page.get_by_role("button", name="Save the sheet").click()

    expect(page.get_by_role("status")).to_contain_text("20 signatures stored, every one counted")
    expect(page.get_by_role("row").filter(has_text="Library steps, Saturday")).to_contain_text("20")
    sheet = PaperSheet.objects.get()
    assert sheet.collected_on == datetime.date(2026, 11, 28)
    assert sheet.signatures.filter(state=SignatureState.COUNTED).count() == 20
    assert _count_shown(visitor_page, campaign_petition).startswith("21 ")
    expect(visitor_page.locator(".progress-card__count").first).to_contain_text(
        "including 20 on paper"
    )


def test_an_organiser_uploads_a_file_sees_its_three_bad_rows_and_confirms_the_rest(
    organiser_page, visitor_page, campaign_petition, screenshot
):
    SignatureFactory(petition=campaign_petition, name="Online Signer")
    lines = ["Full name,Address,Post code"]
    lines += [f"Typed Signer {n},{n} Mill Lane,CR0 {n % 10}AB" for n in range(1, 11)]
    lines += [
        "Bad Postcode,1 Church Road,NOT A POSTCODE",
        '"=HYPERLINK(""http://example.com"",""Click me"")",2 Church Road,CR0 1NY',
        ",3 Church Road,CR0 1NY",
    ]
    page = organiser_page
    _paper_page(page, campaign_petition)
    page.get_by_role("link", name="Upload a typed-up file").click()
    page.get_by_label("File").set_input_files(
        {
            "name": "market-stall.csv",
            "mimeType": "text/csv",
            "buffer": ("\r\n".join(lines) + "\r\n").encode(),
        }
    )
    page.get_by_label("Date collected").fill(COLLECTED)
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_text("10 rows will be stored.")).to_be_visible()
    expect(page.locator("#paper-accepted")).to_contain_text("the count will go up by 10")
    expect(page.get_by_role("heading", name="3 rows will not be stored")).to_be_visible()
    rejected = page.locator("tr.paper-rejected-row")
    expect(rejected).to_have_count(3)
    expect(rejected.nth(0)).to_contain_text("12")
    expect(rejected.nth(0)).to_contain_text("Enter a real UK postcode")
    expect(rejected.nth(1)).to_contain_text("spreadsheet formula")
    expect(rejected.nth(2)).to_contain_text("No name: type the signer's name as written")
    assert not Signature.objects.filter(source="paper").exists()
    screenshot(page, "organiser-paper-upload-report")

    page.get_by_role("button", name="Store 10 signatures").click()

    expect(page.get_by_role("status")).to_contain_text("10 signatures stored")
    assert selectors.signature_count_paper(petition=campaign_petition) == 10
    assert _count_shown(visitor_page, campaign_petition).startswith("11 ")


def test_someone_who_signed_on_paper_and_signs_online_is_counted_once(
    visitor_page, campaign_petition, organiser
):
    paper.paper_sheet_create(
        petition=campaign_petition,
        reference="Stall 1",
        collected_on=datetime.date(2026, 11, 28),
        rows=[paper.PaperRow(1, "Grace Hopper", "7 Elm Road", "CR0 1NY")],
        entered_by=organiser,
    )
    selectors.petition_counts_forget(petition=campaign_petition)
    assert _count_shown(visitor_page, campaign_petition).startswith("1 ")

    visitor_page.goto(campaign_petition.url)
    form = visitor_page.locator("form.sign-form")
    form.get_by_label("Please enter your name").fill("grace hopper")
    form.get_by_label("Postcode", exact=True).fill("cr01ny")
    form.get_by_role("button", name="Sign the petition").click()
    expect(visitor_page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")

    online = Signature.objects.get(source="online")
    assert online.state == SignatureState.DUPLICATE
    assert online.duplicate_of.source == "paper"
    assert _count_shown(visitor_page, campaign_petition).startswith("1 ")
