"""Proof of work in a real browser: the page's script fetches a challenge, solves it, signs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from undersigned.abuse.models import AbuseSettings
from undersigned.petitions.models import Signature, SignatureState

pytestmark = pytest.mark.browser


@pytest.fixture
def guarded_petition(campaign_petition):
    difficulty = AbuseSettings.load()
    difficulty.proof_of_work_difficulty = 5_000
    difficulty.save()
    campaign_petition.proof_of_work_required = True
    campaign_petition.save_revision().publish()
    return campaign_petition


def test_the_browser_does_its_check_and_then_the_petition_is_signed_and_counted(
    browser_page, guarded_petition, screenshot
):
    page = browser_page
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if message.type == "error" else None
    )
    page.goto(guarded_petition.url)
    form = page.locator("form.sign-form")

    expect(form.locator(".proof-of-work__status")).to_have_text(
        "Your browser is checked: you can sign.", timeout=30_000
    )
    screenshot(page, "proof-of-work-checked")
    form.get_by_label("Please enter your name").fill("Grace Hopper")
    form.get_by_label("Postcode", exact=True).fill("CR0 1NY")
    form.get_by_role("button", name="Sign the petition").click()

    expect(page).to_have_url(re.compile(r"/thank-you/(#sign)?$"))
    signature = Signature.objects.get(petition=guarded_petition)
    assert (signature.name, signature.state) == ("Grace Hopper", SignatureState.COUNTED)
    assert blocked == []


def test_an_answer_already_used_does_not_sign_a_second_time(browser_page, guarded_petition):
    page = browser_page
    page.goto(guarded_petition.url)
    form = page.locator("form.sign-form")
    expect(form.locator(".proof-of-work__status")).to_have_text(
        "Your browser is checked: you can sign.", timeout=30_000
    )
    answer = form.locator('input[name="proof_of_work"]').input_value()
    form.get_by_label("Please enter your name").fill("Grace Hopper")
    form.get_by_label("Postcode", exact=True).fill("CR0 1NY")
    form.get_by_role("button", name="Sign the petition").click()
    expect(page).to_have_url(re.compile(r"/thank-you/(#sign)?$"))

    # Someone replays the same answer for another name: the server refuses it.
    page.goto(guarded_petition.url)
    form = page.locator("form.sign-form")
    expect(form.locator(".proof-of-work__status")).to_have_text(
        "Your browser is checked: you can sign.", timeout=30_000
    )
    form.locator('input[name="proof_of_work"]').evaluate(
        "(field, value) => field.value = value", answer
    )
    form.get_by_label("Please enter your name").fill("Alan Turing")
    form.get_by_label("Postcode", exact=True).fill("CR0 1NY")
    form.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Please enter your name")).to_have_value("Alan Turing")
    assert list(Signature.objects.values_list("name", flat=True)) == ["Grace Hopper"]
