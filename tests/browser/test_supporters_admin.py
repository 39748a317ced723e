"""An organiser looks after the supporter list in Chromium through the real Wagtail admin:
filters it by ward, opens one person, unsubscribes them on request, exports the list.

Logged in through the sign-in form as a member of the Organisers group (not a superuser); the
browser posts the CSRF tokens the pages rendered.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import petitions_menu
from tests.factories import ConfirmedSignerFactory, SupporterFactory, WardFactory
from undersigned.supporters.models import ConsentEvent, Supporter, SupporterStatus

pytestmark = pytest.mark.browser


def test_an_organiser_filters_the_supporters_by_ward_unsubscribes_one_and_exports_the_rest(
    organiser_page, campaign_petition, screenshot
):
    north = WardFactory(name="Northfield")
    south = WardFactory(name="Southbank")
    ConfirmedSignerFactory(petition=campaign_petition, email="nia@example.net", name="Nia North")
    Supporter.objects.filter(email="nia@example.net").update(ward_code=north.code)
    SupporterFactory(name="Noor North", email="noor@example.net", ward_code=north.code)
    SupporterFactory(name="Sam South", email="sam@example.net", ward_code=south.code)

    page = organiser_page
    petitions_menu(page, "Supporters")
    expect(page.get_by_role("main")).to_contain_text("Sam South")
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Ward").click()
    page.get_by_role("combobox", name="Ward").select_option(label="Northfield")
    expect(page.get_by_role("main")).to_contain_text("Nia North")
    expect(page.get_by_role("main")).not_to_contain_text("Sam South")
    screenshot(page, "organiser-supporters-one-ward")

    page.get_by_role("link", name="Nia North").click()
    expect(page.get_by_role("main")).to_contain_text("Consents (from the consent ledger)")
    expect(page.get_by_role("main")).to_contain_text(campaign_petition.title)
    page.get_by_role("link", name="Unsubscribe from all updates…").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("will get no more updates")
    assert Supporter.objects.get(email="nia@example.net").status == SupporterStatus.UNSUBSCRIBED
    assert ConsentEvent.objects.filter(email="nia@example.net", kind="withdrawn").exists()

    petitions_menu(page, "Supporters")
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Ward").click()
    page.get_by_role("combobox", name="Ward").select_option(label="Northfield")
    expect(page.get_by_role("main")).not_to_contain_text("Sam South")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export confirmed supporters (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [row[:2] for row in rows[1:]] == [["Noor North", "noor@example.net"]]
