"""The campaign website in a real browser: from the home page to a signature and to the inbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from undersigned.contact.models import Enquiry
from undersigned.news.models import NewsStoryPage
from undersigned.petitions.models import Signature

pytestmark = pytest.mark.browser


def test_a_reader_goes_from_the_home_page_through_a_story_to_signing_its_petition(
    browser_page, demo_site
):
    page = browser_page
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="News & local issues"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("News & local issues")

    story = NewsStoryPage.objects.filter(related_petition=demo_site).first()
    page.get_by_role("link", name=story.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)
    expect(page.get_by_text("Notes to editors")).to_be_visible()

    page.locator(".call-to-action").get_by_role("link", name=re.compile("petition")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_site.title)
    page.get_by_label("Please enter your name").fill("Mary Seacole")
    page.get_by_label("Postcode", exact=True).fill("eb1 1ab")
    page.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    assert Signature.objects.filter(petition=demo_site, name="Mary Seacole").exists()


def test_a_resident_writes_to_the_team_and_is_told_what_happens_next(browser_page, demo_site):
    page = browser_page
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contact us").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contact")
    page.get_by_label("Your name").fill("Olive Morris")
    page.get_by_label("Your email address").fill("olive@example.org")
    page.locator("#id_postcode").fill("EB1 1AB")
    page.get_by_label("Your message").fill(
        "The street lights on our road have been out for a week."
    )
    # The form refuses submissions quicker than a person could write one.
    page.wait_for_timeout(3200)
    page.get_by_role("button", name=re.compile("Send")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    enquiry = Enquiry.objects.get(email="olive@example.org")
    assert enquiry.status == "new"
    assert "street lights" in enquiry.message


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_main_pages_look_right_and_have_no_serious_accessibility_problems(
    browser_page, demo_site, screenshot, serious_accessibility_problems, width
):
    page = browser_page
    if width == "phone":
        page.set_viewport_size(PHONE)
    story = NewsStoryPage.objects.filter(related_petition=demo_site).first()
    pages = {
        "home": "/",
        "story": story.url,
        "story-print": story.url + "print/",
        "petition": demo_site.url,
        "contact": "/contact-us/",
        "news": story.get_parent().url,
    }
    problems = {}
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, f"{name} at {url} answered {response.status}"
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{name} scrolls sideways at {width} width"
        )
        screenshot(page, f"site-{name}-{width}")
        found = serious_accessibility_problems(page)
        if found:
            problems[name] = found
    assert not problems, problems
