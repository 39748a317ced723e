"""The petition page's layout at desktop and phone widths, with screenshots to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.factories import SignatureFactory

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_on_a_desktop_the_form_and_privacy_promise_sit_beside_the_story(
    browser_page, campaign_petition, screenshot
):
    SignatureFactory.create_batch(37, petition=campaign_petition)
    page = browser_page
    page.goto(campaign_petition.url)

    expect(page.locator(".petition-hero .progress-card__count")).to_contain_text("37")
    story = page.locator(".petition-layout__main").bounding_box()
    sign_card = page.locator(".sign-card").bounding_box()
    privacy = page.get_by_role("complementary", name="Your privacy").bounding_box()
    assert sign_card["x"] >= story["x"] + story["width"]
    assert abs(privacy["x"] - sign_card["x"]) < 1
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "petition-desktop")


def test_on_a_phone_the_page_stacks_into_one_column_without_sideways_scrolling(
    browser_page, campaign_petition, screenshot
):
    SignatureFactory.create_batch(37, petition=campaign_petition)
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(campaign_petition.url)

    story = page.locator(".petition-layout__main").bounding_box()
    sign_card = page.locator(".sign-card").bounding_box()
    assert sign_card["y"] >= story["y"] + story["height"]
    for box in (story, sign_card):
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    expect(page.get_by_role("complementary", name="Your privacy")).to_be_visible()
    screenshot(page, "petition-phone")
