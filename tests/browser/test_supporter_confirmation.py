"""Confirmed opt-in in a real browser: sign with the box ticked, open the one emailed link,
press Confirm, and the person is a confirmed supporter."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from undersigned.supporters.models import ConsentEvent, ConsentKind, Supporter, SupporterStatus

pytestmark = pytest.mark.browser


def outbox_when(count: int, *, timeout: float = 10) -> list:
    """The emails sent so far (the live server sends from its own thread), once ``count``."""
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count:
        assert time.monotonic() < deadline, f"{count} emails expected, {len(mail.outbox)} sent"
        time.sleep(0.05)
    return list(mail.outbox)


def test_sign_with_the_box_ticked_then_confirm_from_the_emailed_link(
    browser_page, campaign_petition, live_server, screenshot
):
    page = browser_page
    page.goto(campaign_petition.url)
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
    assert Supporter.objects.get().status == SupporterStatus.UNCONFIRMED
    screenshot(page, "supporter-confirm")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your email address is confirmed"
    )
    supporter = Supporter.objects.get()
    assert (supporter.email, supporter.status) == ("ada@example.org", SupporterStatus.CONFIRMED)
    assert ConsentEvent.objects.filter(kind=ConsentKind.CONFIRMED).count() == 1
    assert len(mail.outbox) == 1
    screenshot(page, "supporter-confirmed")
