"""An organiser (not a superuser) makes an API key in Chromium through the real Wagtail
admin, sees it once, and revokes it; the API then refuses it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.osdi.http import api_call

pytestmark = pytest.mark.browser


def test_an_organiser_makes_a_key_sees_it_once_and_revokes_it(
    organiser_page, live_server, screenshot
):
    page = organiser_page
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("link", name="API keys", exact=True).click()
    expect(page.get_by_role("main")).to_contain_text("No API keys yet.")

    page.get_by_role("link", name="New API key").click()
    page.get_by_label("Name").fill("Action Network sync")
    page.get_by_label("Read and write: also record signatures").check()
    page.get_by_role("button", name="Make the key").click()

    expect(page.get_by_role("main")).to_contain_text("shown only this once")
    secret = page.get_by_label("The key").input_value()
    assert len(secret) >= 43
    screenshot(page, "api-key-made")
    entry_point = f"{live_server.url}/api/osdi/v1/"
    assert api_call(entry_point, token=secret).status == 200

    page.get_by_role("link", name="Done").click()
    row = page.get_by_role("row", name=re.compile("Action Network sync"))
    expect(row).to_contain_text(secret[:8])
    expect(page.get_by_role("main")).not_to_contain_text(secret)

    row.get_by_role("link", name="Revoke").click()
    expect(page.get_by_role("main")).to_contain_text("cannot be undone")
    page.get_by_role("button", name="Yes, revoke it").click()

    expect(page.get_by_role("main")).to_contain_text("no longer works")
    assert api_call(entry_point, token=secret).status == 401
