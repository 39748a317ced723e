"""Every public page, at desktop and phone width: no axe-core findings, a description, a menu."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Page

from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import PetitionPageFactory, SupporterFactory, SupporterSignatureFactory
from undersigned.contact.models import ContactPage
from undersigned.news.models import NewsStoryPage
from undersigned.petitions.models import PetitionState
from undersigned.site.models import HomePage, LinkPage
from undersigned.speed.caching import forget_everything
from undersigned.supporters.confirmation import confirmation_url
from undersigned.supporters.unsubscribe import unsubscribe_url

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url


@pytest.fixture
def public_pages(demo_site) -> dict[str, tuple[str, int]]:
    """Each public page of the demo site, by name: its address and the status it answers with.

    Every live page in the tree (each section, story, ward team and plain page), the views
    routed beneath pages (print, thank-you), petitions in each later state, and the pages
    that are not in the tree at all (privacy, search, unsubscribe, not found).
    """
    petitions = demo_site.get_parent()
    closed = PetitionPageFactory(
        parent=petitions,
        title="Save the Riverside bus route",
        slug="save-the-riverside-bus-route",
        state=PetitionState.CLOSED,
    )
    handed_in = PetitionPageFactory(
        parent=petitions,
        title="Fix the Station Road crossing",
        slug="fix-the-station-road-crossing",
        state=PetitionState.HANDED_IN,
        handed_in_at=timezone.now() - datetime.timedelta(days=3),
        handed_in_to="the Mayor at Full Council",
    )
    pages: dict[str, tuple[str, int]] = {}
    home = HomePage.objects.get()
    for page in home.get_descendants(inclusive=True).live().public().specific():
        if isinstance(page, LinkPage):
            continue
        pages[page.url_path.strip("/").split("/", 1)[-1] or "home"] = (page.url, 200)
    story = NewsStoryPage.objects.live().filter(related_petition=demo_site).first()
    contact = ContactPage.objects.live().get()
    SupporterSignatureFactory(petition=demo_site, email="ada@example.org")
    on_the_list = SupporterFactory(
        email="ada@example.org", source_petition=demo_site, status="unconfirmed", confirmed_at=None
    )
    unsubscribe = _path(unsubscribe_url(reference=on_the_list.reference, petition_id=demo_site.pk))
    confirm = _path(confirmation_url(reference=on_the_list.reference))
    assert closed.url in {url for url, _ in pages.values()}
    assert handed_in.url in {url for url, _ in pages.values()}
    pages |= {
        "story print": (story.url + "print/", 200),
        "story tag": (f"{story.get_parent().url}?tag={story.tags.first().slug}", 200),
        "petition thank-you": (demo_site.thank_you_url, 200),
        "contact thank-you": (contact.url + contact.reverse_subpage("thanks"), 200),
        "privacy notice": ("/privacy/", 200),
        "search": ("/search/?q=library", 200),
        "unsubscribe": (unsubscribe, 200),
        "unsubscribe broken link": ("/unsubscribe/not-a-real-token/", 400),
        "supporter confirmation": (confirm, 200),
        "supporter confirmation broken link": ("/supporters/confirm/not-a-real-token/", 400),
        "not found": ("/no-such-page/", 404),
    }
    return pages


@pytest.mark.parametrize("width", WIDTHS)
def test_every_public_page_has_no_accessibility_findings_and_a_description(
    browser_page, public_pages, accessibility_violations, screenshot, width
):
    page = browser_page
    page.set_viewport_size(WIDTHS[width])
    problems = {}
    for name, (url, status) in public_pages.items():
        response = page.goto(url)
        assert response.status == status, f"{name} at {url} answered {response.status}"
        found = accessibility_violations(page)
        descriptions = page.locator('head meta[name="description"]')
        contents = [
            descriptions.nth(i).get_attribute("content") for i in range(descriptions.count())
        ]
        if len(contents) != 1 or not contents[0].strip():
            found.append(f"needs one non-empty meta description, has {contents}")
        if not page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"):
            found.append("scrolls sideways")
        if found:
            screenshot(page, f"axe-{name.replace(' ', '-').replace('/', '-')}-{width}")
            problems[f"{name} ({url})"] = found
    assert not problems, problems


def _top_level_sections() -> list[Page]:
    home = HomePage.objects.get()
    return list(home.get_children().live().public().in_menu().specific())


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_on_a_phone_the_menu_opens_to_show_every_section(
    chromium, live_server, demo_site, screenshot, javascript
):
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=javascript
    )
    page = context.new_page()
    try:
        page.goto(demo_site.url)
        nav = page.get_by_role("navigation", name="Main")
        sections = [section.title for section in _top_level_sections()]
        assert len(sections) >= 8
        # Closed at first, so the page's own content starts near the top of the screen.
        expect(nav.get_by_role("link", name=sections[0], exact=True)).to_be_hidden()
        menu = nav.get_by_text("Menu", exact=True)
        menu.click()
        for title in sections:
            link = nav.get_by_role("link", name=title)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], title
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"menu-open-phone-{'js' if javascript else 'nojs'}")
        contact = ContactPage.objects.get()
        nav.get_by_role("link", name=contact.title).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(contact.title)
    finally:
        context.close()


def test_on_a_phone_the_menu_is_opened_and_followed_with_the_keyboard(
    chromium, live_server, demo_site
):
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto("/")
        menu = page.get_by_role("navigation", name="Main").get_by_text("Menu", exact=True)
        menu.focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent.trim()")
        first = _top_level_sections()[0]
        assert focused == first.title
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    finally:
        context.close()


def test_at_desktop_width_every_section_is_in_view_without_opening_anything(
    browser_page, demo_site
):
    page = browser_page
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_text("Menu", exact=True)).to_be_hidden()
    for section in _top_level_sections():
        expect(nav.get_by_role("link", name=section.title)).to_be_in_viewport()


@pytest.mark.parametrize("width", WIDTHS)
def test_forms_sent_back_with_errors_and_a_paused_petition_have_no_accessibility_findings(
    browser_page, demo_site, accessibility_violations, screenshot, width
):
    page = browser_page
    page.set_viewport_size(WIDTHS[width])
    problems = {}

    page.goto(demo_site.url)
    page.get_by_role("button", name="Sign the petition").last.click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    problems["petition form with errors"] = accessibility_violations(page)

    page.goto(ContactPage.objects.get().url)
    page.locator("form.contact-form").get_by_role("button").click()
    expect(page).to_have_title(re.compile("^Error:"))
    problems["contact form with errors"] = accessibility_violations(page)

    page.goto("/ward-teams/?postcode=not+a+postcode")
    expect(page.get_by_text("Enter a real UK postcode")).not_to_have_count(0)
    problems["ward search with an error"] = accessibility_violations(page)

    demo_site.signing_paused = True
    demo_site.signing_paused_message = "Signing is paused while we check a burst of signatures."
    demo_site.save_revision().publish()
    forget_everything()
    page.goto(demo_site.url)
    expect(page.get_by_text("Signing is paused while we check")).to_be_visible()
    problems["paused petition"] = accessibility_violations(page)

    problems = {name: found for name, found in problems.items() if found}
    if problems:
        screenshot(page, f"axe-forms-{width}")
    assert not problems, problems
