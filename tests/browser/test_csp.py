"""The Content-Security-Policy in a real browser: nothing on the public pages or in the admin is
blocked by it, and what it forbids (inline script) really is blocked."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from wagtail.models import Site

from undersigned.news.models import NewsStoryPage, VideoPage

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "a long passphrase for the editor"

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
      `at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def csp_violations(browser_page):
    """Everything the policy blocks in this tab: ``securitypolicyviolation`` events and the
    console's "Refused to ..." errors, as readable lines."""
    found: list[str] = []

    def report(line: str) -> None:
        found.append(line)

    def console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            found.append(f"console: {message.text}")

    browser_page.expose_function("reportCspViolation", report)
    browser_page.add_init_script(REPORT_VIOLATIONS)
    browser_page.on("console", console)
    return found


@pytest.fixture
def editor(transactional_db):
    return get_user_model().objects.create_superuser(
        username="editor", email="editor@example.org", password=ADMIN_PASSWORD
    )


def _visit(page, url: str, violations: list[str], seen: dict[str, list[str]]) -> None:
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    assert "content-security-policy" in response.headers, f"{url} has no policy"
    page.wait_for_load_state("networkidle")
    seen[url] = list(violations)
    violations.clear()


def _blocked(seen: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}: {line}" for url, found in seen.items() for line in found)


def test_the_public_pages_load_with_nothing_blocked_by_the_policy(
    browser_page, demo_site, csp_violations
):
    story = NewsStoryPage.objects.filter(related_petition=demo_site).first()
    video = VideoPage.objects.live().first()
    seen: dict[str, list[str]] = {}
    for url in ["/", story.url + "print/", story.get_parent().url, "/contact-us/", video.url]:
        _visit(browser_page, url, csp_violations, seen)
    # Pressing "Play" swaps in the video site's player (frame-src).
    browser_page.get_by_role("link", name=re.compile("Play video")).click()
    expect(browser_page.locator(".video__frame iframe")).to_have_count(1)
    seen[video.url + " (playing)"] = list(csp_violations)

    assert not _blocked(seen), _blocked(seen)


def test_the_petition_its_story_and_the_thank_you_page_load_with_nothing_blocked(
    browser_page, demo_site, csp_violations
):
    page = browser_page
    story = NewsStoryPage.objects.filter(related_petition=demo_site).first()
    seen: dict[str, list[str]] = {}
    for url in [story.url, demo_site.url]:
        _visit(page, url, csp_violations, seen)

    page.get_by_label("Please enter your name").fill("Mary Seacole")
    page.get_by_label("Postcode", exact=True).fill("eb1 1ab")
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    page.wait_for_load_state("networkidle")
    seen["thank-you"] = list(csp_violations)

    assert not _blocked(seen), _blocked(seen)


def test_the_public_policy_is_strict_and_really_blocks_inline_script(
    browser_page, demo_site, csp_violations
):
    page = browser_page
    policy = page.goto("/").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "nonce-" not in policy, "a public page should need no nonce (it may be cached)"

    # What an injected <script> would try: the browser refuses to run it, and says so.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.body.dataset.injected = 'ran'";
            document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => document.body.dataset.injected") is None
    assert any("script-src" in line for line in csp_violations), csp_violations


def test_the_admin_dashboard_page_editor_and_settings_load_with_nothing_blocked(
    browser_page, demo_site, editor, csp_violations, settings
):
    settings.AXES_ENABLED = True  # sign in through the throttled login, as in production
    page = browser_page
    seen: dict[str, list[str]] = {}

    _visit(page, "/admin/login/", csp_violations, seen)
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.wait_for_load_state("networkidle")
    seen["/admin/ (dashboard)"] = list(csp_violations)
    csp_violations.clear()

    site = Site.objects.get(is_default_site=True)
    for url in [
        f"/admin/pages/{demo_site.pk}/edit/",
        f"/admin/settings/site/sitesettings/{site.pk}/",
        f"/admin/pages/{demo_site.get_parent().pk}/",
        # A public page with Wagtail's user bar, which editors see: the public policy.
        "/",
    ]:
        _visit(page, url, csp_violations, seen)
    expect(page.locator("wagtail-userbar")).to_have_count(1)

    assert not _blocked(seen), _blocked(seen)
