"""Browser fixtures: headless Chromium through Playwright, a live server and a campaign site."""

from __future__ import annotations

import os
import re
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from wagtail.models import Site

from tests.conftest import ORGANISER_PASSWORD, ORGANISER_USERNAME
from tests.factories import (
    PetitionPageFactory,
    petition_index,
    site_home,
    wagtail_roots_ensure,
)
from undersigned.petitions.models import PetitionPage
from undersigned.site.models import SiteSettings

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
# inside one unless told that the test (not an async view) is the caller.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

STORY = (
    "<p>The council has announced plans to close Northfield Library at the end of March "
    "to save money. The library is used by <b>hundreds</b> of families every week.</p>"
    "<p>It runs homework clubs, rhyme time for toddlers, free computers for people looking "
    "for work and a warm, safe place for older residents. The nearest other library is two "
    "bus rides away.</p>"
    "<blockquote>My children learned to read here. Closing it would take that away from "
    "the next generation.</blockquote>"
    "<p>The council's own consultation found that 87% of people who replied wanted the "
    '<a href="https://example.org/consultation">library kept open</a>. Please sign and share '
    "the petition so the council hears us before the budget vote.</p>"
)


def _browser_required() -> bool:
    return os.environ.get("UNDERSIGNED_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test here ``browser``; skip them all when there is no Chromium to drive."""
    here = Path(__file__).resolve().parent
    browser_items = [item for item in items if here in Path(str(item.path)).resolve().parents]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if CHROMIUM.exists() or _browser_required():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is not installed; install Debian's chromium package to run the "
        "browser tests (set UNDERSIGNED_REQUIRE_BROWSER=1 to make this an error)"
    )
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run (Debian's build: Playwright cannot download)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"UNDERSIGNED_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: the browser tests "
            "must run here. Install Debian's chromium package.",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh browser tab (own cookies) at desktop width, pointed at the live server."""
    context = chromium.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-GB", reduced_motion="reduce"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def organiser_page(chromium, live_server, campaign_petition, organiser):
    """A browser tab signed in to the admin as the organiser, through the sign-in form."""
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(ORGANISER_USERNAME)
    page.get_by_label("Password").fill(ORGANISER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert not organiser.is_superuser
    yield page
    context.close()


def petitions_menu(page, item: str) -> None:
    """Opens the admin's Petitions menu and follows one of its entries."""
    page.get_by_role("button", name="Petitions").click()
    page.get_by_role("link", name=item, exact=True).click()


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot to ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take


@pytest.fixture
def campaign_petition(transactional_db) -> PetitionPage:
    """An open petition on a site that looks like a local campaign group's."""
    wagtail_roots_ensure()
    site_home()
    index = petition_index()
    index.show_in_menus = True
    index.save()
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.organisation_name = "Northfield Residents"
    site_settings.tagline = "Standing up for our neighbourhood"
    site_settings.contact_email = "hello@northfield.example.org"
    site_settings.contact_phone = "020 7946 0000"
    site_settings.contact_address = "Northfield Community Centre\n12 High Street\nLondon CR0 1NY"
    site_settings.save()
    return PetitionPageFactory(
        title="Keep Northfield Library open",
        slug="keep-northfield-library-open",
        summary="The council plans to close our library in March. Tell them to keep it open.",
        story=STORY,
        statement=(
            "We, the undersigned, call on Example Borough Council to withdraw its plan to "
            "close Northfield Library and to keep it open at its current hours."
        ),
    )


AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _axe_required() -> None:
    if not AXE_SCRIPT.exists():
        message = f"{AXE_SCRIPT} is missing: run `npm ci` to install axe-core"
        if _browser_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def axe_findings(page, *, impacts: set[str] | None = None) -> list[str]:
    """axe-core's findings in ``page`` as readable lines, only of ``impacts`` if given."""
    # Evaluated, not added as a <script> tag: the page's Content-Security-Policy would
    # (rightly) refuse an inline script.
    page.evaluate(AXE_SCRIPT.read_text())
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in violations
        if impacts is None or violation["impact"] in impacts
    ]


@pytest.fixture
def serious_accessibility_problems():
    """Runs axe-core (from npm) in the page and returns its serious and critical findings."""
    _axe_required()
    return partial(axe_findings, impacts={"serious", "critical"})


@pytest.fixture
def accessibility_violations():
    """Runs axe-core in the page and returns every finding, whatever its impact."""
    _axe_required()
    return axe_findings


@pytest.fixture
def demo_site(transactional_db) -> PetitionPage:
    """The whole demo site (home, news, ward teams, contact, petition), as `undersigned demo`."""
    from django.contrib.contenttypes.models import ContentType

    from undersigned.demo.content import demo_content_load

    # An earlier transactional test flushed the tables and post_migrate made the content
    # types again under new ids; the per-process cache still holds the old ones.
    ContentType.objects.clear_cache()
    wagtail_roots_ensure()
    return demo_content_load()
