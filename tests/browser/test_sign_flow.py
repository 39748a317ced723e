"""Signing a petition in a real browser: the form, its errors, the keyboard, the thank-you page."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from undersigned.petitions.models import Signature

pytestmark = pytest.mark.browser

SUBMIT = "Sign the petition"
ADDRESS = re.compile(r"^Address\b")


def _sign_form(page):
    return page.locator("form.sign-form")


def test_a_visitor_who_gives_name_postcode_and_email_lands_on_a_thank_you_page_with_the_count(
    browser_page, campaign_petition, live_server, screenshot
):
    page = browser_page
    page.goto(campaign_petition.url)
    form = _sign_form(page)

    form.get_by_label("Please enter your name").fill("Ada Lovelace")
    form.get_by_label("Postcode", exact=True).fill("cr0 1ny")
    form.get_by_label("Enter your email address").fill("Ada@Example.org")
    expect(form.get_by_role("checkbox")).not_to_be_checked()
    form.get_by_role("button", name=SUBMIT).click()

    # The form posts to ``#sign``; browsers keep that fragment across the redirect.
    expect(page).to_have_url(re.compile(r"/keep-northfield-library-open/thank-you/(#sign)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    expect(page.locator(".progress-card__count")).to_have_text(re.compile(r"^\s*1\s+signature\s*$"))
    petition_url = live_server.url + campaign_petition.url
    share_links = {
        "Share on Facebook": "https://www.facebook.com/sharer/sharer.php?u="
        + quote(petition_url, ""),
        "Share on X": "https://x.com/intent/post?",
        "Share on WhatsApp": "https://wa.me/?",
        "Share by email": "mailto:?subject=",
    }
    for name, start in share_links.items():
        link = page.get_by_role("link", name=name)
        expect(link).to_be_visible()
        assert link.get_attribute("href").startswith(start), name
    expect(page.get_by_label("Or copy the link")).to_have_value(petition_url)

    signature = Signature.objects.get(petition=campaign_petition)
    assert (signature.name, signature.postcode, signature.email) == (
        "Ada Lovelace",
        "CR0 1NY",
        "ada@example.org",
    )
    assert signature.wants_updates is False

    screenshot(page, "thank-you-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "thank-you-phone")


def test_an_empty_form_comes_back_with_a_focused_error_summary_that_links_to_each_field(
    browser_page, campaign_petition, screenshot
):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(campaign_petition.url)

    _sign_form(page).get_by_role("button", name=SUBMIT).click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    links = summary.get_by_role("link")
    expect(links).to_have_text(["Enter your name", "Enter your address or postcode"])
    assert [links.nth(i).get_attribute("href") for i in range(2)] == ["#id_name", "#id_address"]
    assert Signature.objects.count() == 0
    screenshot(page, "form-errors-phone")

    links.nth(1).click()
    expect(page.locator("#id_address")).to_be_focused()
    links.nth(0).click()
    expect(page.get_by_label("Please enter your name")).to_be_focused()


def test_everything_the_signer_typed_is_kept_when_the_postcode_and_email_are_not_valid(
    browser_page, campaign_petition
):
    page = browser_page
    page.goto(campaign_petition.url)
    form = _sign_form(page)
    form.get_by_label("Please enter your name").fill("Ada Lovelace")
    form.get_by_label("Postcode", exact=True).fill("NOT A CODE")
    form.get_by_role("textbox", name=ADDRESS).fill("1 Example Road\nNorthfield")
    form.get_by_label("Enter your email address").fill("ada@example")
    form.get_by_role("checkbox").check()

    form.get_by_role("button", name=SUBMIT).click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter a real UK postcode, like CR0 1NY",
            "Enter an email address in the correct format, like name@example.com",
        ]
    )
    form = _sign_form(page)
    expect(form.get_by_label("Please enter your name")).to_have_value("Ada Lovelace")
    expect(form.get_by_label("Postcode", exact=True)).to_have_value("NOT A CODE")
    expect(form.get_by_role("textbox", name=ADDRESS)).to_have_value("1 Example Road\nNorthfield")
    expect(form.get_by_label("Enter your email address")).to_have_value("ada@example")
    expect(form.get_by_role("checkbox")).to_be_checked()
    expect(form.get_by_label("Postcode", exact=True)).to_have_attribute("aria-invalid", "true")
    assert Signature.objects.count() == 0


def test_the_tab_key_moves_through_the_numbered_questions_in_order(browser_page, campaign_petition):
    page = browser_page
    page.goto(campaign_petition.url)
    page.get_by_role("link", name=SUBMIT).focus()
    page.keyboard.press("Enter")

    stops = []
    for _ in range(6):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                """() => {
                    const el = document.activeElement;
                    const number = el.closest(".question")?.querySelector(".question__number");
                    return [el.id || el.textContent.trim(), number ? number.textContent : null];
                }"""
            )
        )

    assert stops == [
        ["id_name", "1"],
        ["id_postcode", "2"],
        ["id_address", "2"],
        ["id_email", "3"],
        ["id_wants_updates", "3"],
        [SUBMIT, None],
    ]
