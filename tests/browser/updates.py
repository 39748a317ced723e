"""Steps of the organiser's update journey in the real admin, shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import petitions_menu


def update_to_ward_send(
    page, *, petition_title: str, ward: str, subject: str, body: str, recipients: int = 1
) -> None:
    """Write an update to the confirmed supporters of ``ward``, check the recipient count on
    the confirm step, and send it (the background task runs at once in tests)."""
    people = "1 person" if recipients == 1 else f"{recipients} people"
    petitions_menu(page, "Updates to signers")
    page.get_by_role("link", name="Add update to signers").click()
    page.get_by_role("combobox", name="Petition*").select_option(label=petition_title)
    page.get_by_role("radio", name=re.compile("^Supporters in the wards")).check()
    page.get_by_role("checkbox", name=ward, exact=True).check()
    page.get_by_role("textbox", name="Subject*").fill(subject)
    page.get_by_role("textbox", name="Message*").fill(body)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile(rf"it goes to\s+{people}"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"{ward} (ward)")

    page.get_by_role("link", name=f"Send to {people}…").click()
    expect(page.locator(".supporters-recipient-count")).to_contain_text(
        f"emailed to {people}: confirmed supporters in {ward} (ward)"
    )
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=f"Send to {people}").click()
    expect(page.get_by_text(re.compile(rf"Sent to\s+{recipients}\s+of {people}"))).to_be_visible()
