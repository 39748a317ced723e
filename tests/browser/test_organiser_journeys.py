"""Organisers' journeys through the real Wagtail admin in Chromium.

Each test logs in through the admin's sign-in form as a volunteer in the Organisers group (not a
superuser), clicks what a person clicks and checks what a person sees. The browser sends the CSRF
token the page rendered, so a form that a person could not submit fails here.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, petitions_menu
from tests.factories import ConfirmedSignerFactory, EnquiryFactory, SignatureFactory
from undersigned.contact.models import EnquiryStatus
from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.petitions.tasks import petitions_publish_scheduled_task

pytestmark = pytest.mark.browser


@pytest.fixture
def visitor_page(chromium, live_server):
    """Another tab, with its own cookies: a member of the public."""
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _sign(page, petition_url: str, name: str, postcode: str) -> None:
    page.goto(petition_url)
    form = page.locator("form.sign-form")
    form.get_by_label("Please enter your name").fill(name)
    form.get_by_label("Postcode", exact=True).fill(postcode)
    form.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")


def _publish(page) -> None:
    """The editor's main action for a petition: Publish, first in the footer."""
    page.get_by_role("navigation", name="Actions (footer)").first.get_by_role(
        "button", name="Publish"
    ).click()


def _petition_fill(page, *, title: str) -> None:
    """Fills in the new-petition editor as an organiser would, the story in the rich-text box."""
    page.get_by_role("textbox", name="Title*").fill(title)
    page.get_by_role("textbox", name="Summary*").fill(
        "The 42 bus is to be cut. Tell the council to keep it."
    )
    page.get_by_role("region", name="Story*").get_by_role("textbox").click()
    page.keyboard.type("The 42 is the only bus to the hospital from Northfield.")
    # Draftail copies what was typed into the form's hidden input a moment after the last key;
    # a Publish inside that moment would send an empty story, which no person is quick enough to do.
    expect(page.locator("input[name=story]")).to_have_value(re.compile("only bus to the hospital"))
    page.get_by_role("textbox", name="Statement*").fill(
        "We, the undersigned, call on Example Borough Council to keep the 42 bus route."
    )
    page.get_by_role("textbox", name="Petitioned body*").fill("Example Borough Council")
    page.get_by_role("textbox", name="Organiser*").fill("Northfield Residents")


def test_an_organiser_starts_a_petition_publishes_it_and_a_visitor_signs_it(
    organiser_page, visitor_page, screenshot
):
    page = organiser_page
    petitions_menu(page, "New petition")
    expect(page.get_by_role("heading", level=1)).to_contain_text("New: Petition")

    _petition_fill(page, title="Save the Northfield bus route")
    screenshot(page, "organiser-new-petition")
    _publish(page)
    expect(page.get_by_role("status")).to_contain_text(
        "Page 'Save the Northfield bus route' created and published."
    )

    petition = PetitionPage.objects.get(title="Save the Northfield bus route")
    assert petition.live
    assert "only bus to the hospital" in petition.story

    visitor_page.goto(petition.url)
    expect(visitor_page.locator("form.sign-form")).to_be_visible()
    _sign(visitor_page, petition.url, "Grace Hopper", "CR0 1NY")
    assert Signature.objects.filter(petition=petition, state=SignatureState.COUNTED).count() == 1

    petitions_menu(page, "Overview")
    row = page.get_by_role("row").filter(has_text="Save the Northfield bus route")
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("1")
    screenshot(page, "organiser-overview-after-publish")


def test_an_organiser_invalidates_one_signature_and_restores_it(
    organiser_page, visitor_page, campaign_petition, screenshot
):
    SignatureFactory(petition=campaign_petition, name="Alan Turing")
    _sign(visitor_page, campaign_petition.url, "Fake Person", "CR0 1NY")
    expect(visitor_page.locator(".progress-card__count")).to_contain_text("2")

    page = organiser_page
    petitions_menu(page, "Signatures")
    row = page.get_by_role("row").filter(has_text="Fake Person")
    row.get_by_role("button", name="Invalidate").click()
    expect(page.get_by_text("could not be sent")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Fake Person")).to_contain_text("Invalidated")
    screenshot(page, "organiser-signature-invalidated")

    visitor_page.goto(campaign_petition.url)
    expect(visitor_page.locator(".progress-card__count").first).to_contain_text("1")

    row = page.get_by_role("row").filter(has_text="Fake Person")
    row.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("row").filter(has_text="Fake Person")).to_contain_text("Counted")
    visitor_page.goto(campaign_petition.url)
    expect(visitor_page.locator(".progress-card__count").first).to_contain_text("2")


def test_an_organiser_pauses_signing_and_resumes_it(
    organiser_page, visitor_page, campaign_petition, screenshot
):
    page = organiser_page
    petitions_menu(page, "Overview")
    row = page.get_by_role("row").filter(has_text=campaign_petition.title)
    row.get_by_role("button", name="Pause signing").click()
    row = page.get_by_role("row").filter(has_text=campaign_petition.title)
    expect(row).to_contain_text("signing paused")
    screenshot(page, "organiser-paused")

    visitor_page.goto(campaign_petition.url)
    expect(visitor_page.locator("form.sign-form")).to_have_count(0)

    row.get_by_role("button", name="Resume signing").click()
    expect(page.get_by_role("row").filter(has_text=campaign_petition.title)).not_to_contain_text(
        "signing paused"
    )
    _sign(visitor_page, campaign_petition.url, "Ada Lovelace", "CR0 1NY")


def _date_picker_close(page) -> None:
    """Clicks beside the admin's date picker once it has opened, and waits for it to go.

    The picker opens a moment after its field takes focus; a click before that is wasted.
    """
    pickers = page.locator(".xdsoft_datetimepicker:visible")
    expect(pickers).to_have_count(1)
    page.get_by_role("heading", name="Set publishing schedule").click()
    expect(pickers).to_have_count(0)


def _next_whole_minute_at_least(seconds_ahead: int) -> datetime.datetime:
    """The admin's date-time fields take minutes, so "a few seconds ahead" is the next minute."""
    soon = timezone.localtime() + datetime.timedelta(seconds=seconds_ahead)
    return soon.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


def test_a_petition_scheduled_a_little_ahead_goes_live_by_itself(
    organiser_page, visitor_page, screenshot
):
    page = organiser_page
    petitions_menu(page, "New petition")
    _petition_fill(page, title="Light the Mill Lane footpath")
    go_live = _next_whole_minute_at_least(5)
    page.get_by_role("button", name="Toggle status").click()
    page.get_by_role("button", name="Set schedule").click()
    page.get_by_role("textbox", name="Go live date/time").fill(go_live.strftime("%Y-%m-%d %H:%M"))
    _date_picker_close(page)
    page.get_by_role("button", name="Save schedule").click()
    _publish(page)
    expect(page.get_by_text("has been scheduled for publishing")).to_be_visible()

    petition = PetitionPage.objects.get(title="Light the Mill Lane footpath")
    assert not petition.live
    url = "/petitions/light-the-mill-lane-footpath/"
    assert visitor_page.goto(url).status == 404

    # What the background worker runs every 30 seconds, polled here until the time comes.
    deadline = go_live + datetime.timedelta(seconds=30)
    while timezone.localtime() < deadline:
        petitions_publish_scheduled_task.call()
        if visitor_page.goto(url).status == 200:
            break
        visitor_page.wait_for_timeout(1_000)
    assert timezone.now() >= go_live, "went live before its time"
    expect(visitor_page.locator("form.sign-form")).to_be_visible()
    _sign(visitor_page, url, "Mary Seacole", "CR0 1NY")

    petitions_menu(page, "Overview")
    expect(page.get_by_role("row").filter(has_text="Light the Mill Lane footpath")).to_contain_text(
        "Open"
    )
    screenshot(page, "organiser-scheduled-petition-live")


def test_an_organiser_writes_an_update_sends_a_test_to_themselves_and_sends_it(
    organiser_page, campaign_petition, organiser, mailoutbox, screenshot
):
    ConfirmedSignerFactory(petition=campaign_petition, email="keen@example.net")
    ConfirmedSignerFactory(petition=campaign_petition, email="keener@example.net")
    SignatureFactory(petition=campaign_petition, email="quiet@example.net")

    page = organiser_page
    petitions_menu(page, "Updates to signers")
    page.get_by_role("link", name="Add update to signers").click()
    page.get_by_role("combobox", name="Petition*").select_option(label=campaign_petition.title)
    page.get_by_role("textbox", name="Subject*").fill("We hand the petition in on Monday")
    page.get_by_role("textbox", name="Message*").fill(
        "Thank you for signing.\n\nCome to the town hall at 6pm on Monday."
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("it goes to 2 people")).to_be_visible()
    screenshot(page, "organiser-update-preview")

    page.get_by_role("button", name=re.compile(r"^Send a test to me")).click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("test", re.I))
    assert [message.to for message in mailoutbox] == [[organiser.email]]

    page.get_by_role("link", name="Send to 2 people…").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Send to 2 people").click()
    expect(page.get_by_text(re.compile(r"Sent to\s+2\s+of 2 people"))).to_be_visible()
    assert sorted(message.to[0] for message in mailoutbox[1:]) == [
        "keen@example.net",
        "keener@example.net",
    ]
    screenshot(page, "organiser-update-sent")


def test_an_organiser_builds_the_handin_pack_downloads_it_and_marks_the_petition_handed_in(
    organiser_page, visitor_page, campaign_petition, screenshot
):
    SignatureFactory.create_batch(3, petition=campaign_petition)
    SignatureFactory(petition=campaign_petition, name="Zoë Ó Súilleabháin")

    page = organiser_page
    petitions_menu(page, "Hand-in")
    page.get_by_role("link", name=campaign_petition.title).click()
    page.get_by_role("button", name="Build hand-in pack").click()
    pdf_link = page.get_by_role("link", name=re.compile(r"^PDF \("))
    expect(pdf_link).to_be_visible()
    screenshot(page, "organiser-handin-pack-ready")

    with page.expect_download() as pdf_download:
        pdf_link.click()
    pdf_text = subprocess.run(
        ["pdftotext", pdf_download.value.path(), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Zoë Ó Súilleabháin" in pdf_text
    assert campaign_petition.statement[:40] in " ".join(pdf_text.split())

    with page.expect_download() as csv_download:
        page.get_by_role("link", name=re.compile(r"^CSV \(")).click()
    csv_text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert "Zoë Ó Súilleabháin" in csv_text
    assert len(csv_text.strip().splitlines()) >= 5

    expect(page.get_by_label("Date handed in")).to_have_value(timezone.localdate().isoformat())
    page.get_by_label("Handed in to").fill("the Mayor at Full Council")
    page.get_by_role("button", name="Mark as handed in").click()
    expect(page.get_by_role("region", name="Mark as handed in")).to_contain_text(
        "to the Mayor at Full Council"
    )

    visitor_page.goto(campaign_petition.url)
    expect(visitor_page.get_by_role("main")).to_contain_text("the Mayor at Full Council")
    expect(visitor_page.locator("form.sign-form")).to_have_count(0)


def test_an_organiser_finds_a_person_under_privacy_downloads_their_data_and_erases_it(
    organiser_page, campaign_petition, screenshot
):
    SignatureFactory(petition=campaign_petition, name="Ada Lovelace", email="ada@example.org")
    SignatureFactory(petition=campaign_petition, name="Someone Else", email="else@example.org")

    page = organiser_page
    page.get_by_role("link", name="Privacy").click()
    page.get_by_role("textbox", name="Email address").fill("ADA@example.org")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_text(re.compile(r"1 signature\s+on 1 petition"))).to_be_visible()
    screenshot(page, "organiser-privacy-found")

    with page.expect_download() as export:
        page.get_by_role("button", name="Download as JSON").click()
    exported = json.loads(Path(export.value.path()).read_text(encoding="utf-8"))
    assert "ada@example.org" in json.dumps(exported)
    assert "else@example.org" not in json.dumps(exported)

    page.get_by_role("button", name="Erase all of this…").click()
    expect(page.get_by_text("its count goes down by 1")).to_be_visible()
    page.get_by_role("button", name="Yes, erase").click()
    expect(page.get_by_role("status").first).to_contain_text(re.compile("erase", re.I))
    assert not Signature.objects.filter(email="ada@example.org").exists()
    assert Signature.objects.filter(email="else@example.org").exists()


def test_an_organiser_answers_an_enquiry_in_the_inbox(organiser_page, screenshot):
    enquiry = EnquiryFactory(
        name="Ruth Resident", message="The streetlight outside 4 Mill Lane is out."
    )

    page = organiser_page
    page.get_by_role("button", name="Inbox").click()
    page.get_by_role("link", name="Messages").click()
    page.get_by_role("link", name="Ruth Resident").click()
    expect(page.get_by_text("The streetlight outside 4 Mill Lane is out.")).to_be_visible()
    page.get_by_role("radio", name="Answered").check()
    page.get_by_role("textbox", name="Notes").fill("Reported to highways, ref 1234; replied.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row").filter(has_text="Ruth Resident")).to_contain_text("Answered")
    screenshot(page, "organiser-inbox-answered")

    enquiry.refresh_from_db()
    assert enquiry.status == EnquiryStatus.ANSWERED
    assert enquiry.notes == "Reported to highways, ref 1234; replied."
