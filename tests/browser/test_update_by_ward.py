"""An organiser emails the supporters of one ward, in Chromium through the real Wagtail admin.

Logged in through the sign-in form as a member of the Organisers group (not a superuser); the
browser posts the CSRF tokens the pages rendered. The update is written, its recipient count
read on the confirm step, and sent; the background task runs at once in tests, so the
outbox shows who got it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import petitions_menu
from tests.factories import SupporterFactory, WardFactory

pytestmark = pytest.mark.browser


def test_an_update_to_a_ward_reaches_its_confirmed_supporters_and_nobody_in_another_ward(
    organiser_page, campaign_petition, mailoutbox, screenshot
):
    north = WardFactory(name="Northfield")
    south = WardFactory(name="Southbank")
    for n in range(30):  # enough wards that the list has to scroll
        WardFactory(name=f"Another ward {n:02d}")
    SupporterFactory(name="Nia North", email="nia@example.net", ward_code=north.code)
    SupporterFactory(
        name="Waiting North",
        email="waiting@example.net",
        ward_code=north.code,
        status="unconfirmed",
        confirmed_at=None,
    )
    SupporterFactory(name="Sam South", email="sam@example.net", ward_code=south.code)

    page = organiser_page
    petitions_menu(page, "Updates to signers")
    page.get_by_role("link", name="Add update to signers").click()
    page.get_by_role("combobox", name="Petition*").select_option(label=campaign_petition.title)
    page.get_by_role("radio", name=re.compile("^Supporters in the wards")).check()
    page.get_by_role("checkbox", name="Northfield").check()
    page.get_by_role("textbox", name="Subject*").fill("Northfield: library meeting on Thursday")
    page.get_by_role("textbox", name="Message*").fill("Come to the library at 7pm on Thursday.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile(r"it goes to\s+1 person"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Northfield (ward)")

    page.get_by_role("link", name="Send to 1 person…").click()
    expect(page.locator(".supporters-recipient-count")).to_contain_text(
        "emailed to 1 person: confirmed supporters in Northfield (ward)"
    )
    screenshot(page, "organiser-update-to-a-ward-confirm")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Send to 1 person").click()
    expect(page.get_by_text(re.compile(r"Sent to\s+1\s+of 1 person"))).to_be_visible()

    assert [message.to for message in mailoutbox] == [["nia@example.net"]]
    assert "Come to the library at 7pm on Thursday." in mailoutbox[0].body
