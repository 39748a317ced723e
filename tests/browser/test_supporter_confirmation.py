"""Confirmed opt-in in a real browser: sign with the box ticked, open the one emailed link,
press Confirm, and the person is a confirmed supporter, whom an update to their ward reaches
and an update to another ward does not."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.updates import update_to_ward_send
from tests.factories import PostcodeFactory, SupporterFactory, WardFactory
from undersigned.supporters.models import ConsentEvent, ConsentKind, Supporter, SupporterStatus

pytestmark = pytest.mark.browser


def outbox_when(count: int, *, timeout: float = 10) -> list:
    """The emails sent so far (the live server sends from its own thread), once ``count``."""
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count:
        assert time.monotonic() < deadline, f"{count} emails expected, {len(mail.outbox)} sent"
        time.sleep(0.05)
    return list(mail.outbox)


def sign_and_confirm(page, *, petition_url: str, live_server, screenshot=None) -> None:
    """Sign as Ada with the box ticked, then confirm from the one email that arrives."""
    page.goto(petition_url)
    form = page.locator("form.sign-form")
    form.get_by_label("Please enter your name").fill("Ada Lovelace")
    form.get_by_label("Postcode", exact=True).fill("cr0 1ny")
    form.get_by_label("Enter your email address").fill("Ada@Example.org")
    form.get_by_role("checkbox").check()
    form.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")

    (message,) = outbox_when(1)
    assert message.to == ["ada@example.org"]
    (link,) = set(re.findall(r"https?://\S+/supporters/confirm/\S+/", message.body))
    page.goto(live_server.url + "/" + link.split("/", 3)[3])

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    expect(page.get_by_text("Keep Northfield Library open", exact=False).first).to_be_visible()
    assert Supporter.objects.get(email="ada@example.org").status == SupporterStatus.UNCONFIRMED
    if screenshot:
        screenshot(page, "supporter-confirm")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your email address is confirmed"
    )


def test_sign_with_the_box_ticked_then_confirm_from_the_emailed_link(
    browser_page, campaign_petition, live_server, screenshot
):
    sign_and_confirm(
        browser_page,
        petition_url=campaign_petition.url,
        live_server=live_server,
        screenshot=screenshot,
    )

    supporter = Supporter.objects.get()
    assert (supporter.email, supporter.status) == ("ada@example.org", SupporterStatus.CONFIRMED)
    assert ConsentEvent.objects.filter(kind=ConsentKind.CONFIRMED).count() == 1
    assert len(mail.outbox) == 1
    screenshot(browser_page, "supporter-confirmed")


def test_once_confirmed_an_update_to_their_ward_reaches_them_and_one_to_another_does_not(
    browser_page, organiser_page, campaign_petition, live_server
):
    north = WardFactory(name="Northfield")
    south = WardFactory(name="Southbank")
    PostcodeFactory(postcode="CR0 1NY", ward=north)
    SupporterFactory(name="Sam South", email="sam@example.net", ward_code=south.code)

    sign_and_confirm(browser_page, petition_url=campaign_petition.url, live_server=live_server)
    assert Supporter.objects.get(email="ada@example.org").ward_code == north.code

    for ward in ("Northfield", "Southbank"):
        update_to_ward_send(
            organiser_page,
            petition_title=campaign_petition.title,
            ward=ward,
            subject=f"{ward}: the library meeting",
            body="Come to the library at 7pm on Thursday.",
        )

    updates = outbox_when(3)[1:]
    assert sorted((message.to[0], message.subject) for message in updates) == [
        ("ada@example.org", "Northfield: the library meeting"),
        ("sam@example.net", "Southbank: the library meeting"),
    ]
