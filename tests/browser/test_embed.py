"""The sign form on a partner's site, in Chromium: a page served from another site (another
host and port) frames the embed; listed, it signs without any cookie and the count rises;
not listed, the browser refuses to show it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, SCREENSHOTS
from undersigned.petitions.models import PetitionPage, Signature
from undersigned.petitions.panels import embed_snippet

# The partner's page is on 127.0.0.1 and the live server on localhost: another host is
# another site, so the frame is a third-party one, as on a real partner's page.
PARTNER_HOST = "127.0.0.1"
# Third-party cookies blocked, as Chromium does for everyone once its phase-out is done.
# (Playwright's contexts are off the record, and Chromium 156 blocks them there already; the
# flag keeps it so whatever that default becomes. The test checks that they are blocked.)
COOKIELESS_ARGS = [*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"]


class PartnerPage:
    """A tiny second web server whose one page frames the address it is given."""

    def __init__(self) -> None:
        self.frame_src = ""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                    "<title>Northfield Allotment Society</title></head><body>"
                    "<h1>Northfield Allotment Society</h1><p>Please sign our friends' petition:</p>"
                    # The snippet the petition's editor gives the organiser to copy.
                    + embed_snippet(url=page.frame_src, title="Keep Northfield Library open")
                    + "</body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((PARTNER_HOST, 0), Handler)
        self.origin = f"http://{PARTNER_HOST}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PartnerPage:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partner_page() -> Iterator[PartnerPage]:
    with PartnerPage() as page:
        yield page


@pytest.fixture
def cookieless_chromium(chromium):
    """A second Chromium, blocking third-party cookies (the session's one does not)."""
    browser = chromium.browser_type.launch(
        executable_path=str(CHROMIUM), args=COOKIELESS_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def visitor(cookieless_chromium):
    context = cookieless_chromium.new_context(
        viewport=PHONE, locale="en-GB", reduced_motion="reduce"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def list_origins(petition: PetitionPage, origins: str) -> None:
    PetitionPage.objects.filter(pk=petition.pk).update(embed_origins=origins)


def embed_address(live_server, petition: PetitionPage) -> str:
    return live_server.url + reverse("petitions:embed", kwargs={"slug": petition.slug})


def read_to_the_end(page) -> None:
    """Scroll the partner's page to its end, as someone reading the whole form down."""
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert page.evaluate("window.scrollY") > 0


def framed(page):
    """The frame of the embed inside the partner's page, once the browser has answered it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        frames = [frame for frame in page.frames if frame != page.main_frame]
        if frames and frames[0].url not in ("", "about:blank"):
            return frames[0]
        page.wait_for_timeout(50)
    raise AssertionError(f"no frame answered in {page.url}: {[f.url for f in page.frames]}")


def test_a_listed_partner_site_shows_the_form_and_a_signature_made_there_counts(
    live_server, campaign_petition, partner_page, visitor, screenshot
):
    list_origins(campaign_petition, partner_page.origin)
    partner_page.frame_src = embed_address(live_server, campaign_petition)
    sent = []
    visitor.on(
        "request",
        lambda request: sent.append(request) if request.method == "POST" else None,
    )

    visitor.goto(partner_page.origin + "/")
    frame = visitor.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Keep Northfield Library open")).to_be_visible()
    expect(frame.locator(".progress-card__count")).to_contain_text("0 signatures")
    # Third-party cookies are blocked here: the frame cannot even keep one of its own.
    inside = framed(visitor)
    inside.evaluate("document.cookie = 'probe=1; SameSite=None; Secure; Path=/'")
    assert "probe" not in inside.evaluate("document.cookie")
    screenshot(visitor, "embed-on-partner-site-390")

    frame.get_by_label("Please enter your name").fill("Ada Lovelace")
    frame.get_by_label("Postcode", exact=True).fill("cr0 1ny")
    read_to_the_end(visitor)
    frame.get_by_role("button", name="Sign the petition").click()

    # Where the person is looking, though the partner's page was scrolled to its end.
    expect(frame.get_by_role("heading", name="Thank you for signing")).to_be_in_viewport()
    expect(frame.locator(".progress-card__count")).to_contain_text("1 signature")
    # What they see (a full-page picture would not show a frame from another site whole).
    visitor.screenshot(path=str(SCREENSHOTS / "embed-on-partner-site-thank-you-390.png"))
    assert Signature.objects.filter(petition=campaign_petition).count() == 1
    [post] = sent
    assert "cookie" not in post.all_headers()
    assert post.headers["origin"] == live_server.url

    # The full thank-you page, with its share links, opens in a new tab.
    with visitor.context.expect_page() as opened:
        frame.get_by_role("link", name="Share the petition").click()
    full = opened.value
    expect(full.get_by_role("heading", name="Share the petition")).to_be_visible()
    assert full.url == live_server.url + campaign_petition.thank_you_url

    # Loaded afresh, the form in the frame shows the new count.
    visitor.reload()
    expect(visitor.frame_locator("iframe").locator(".progress-card__count")).to_contain_text(
        "1 signature"
    )


def test_a_mistake_comes_back_in_the_frame_with_what_was_typed(
    live_server, campaign_petition, partner_page, visitor
):
    list_origins(campaign_petition, partner_page.origin)
    partner_page.frame_src = embed_address(live_server, campaign_petition)

    visitor.goto(partner_page.origin + "/")
    frame = visitor.frame_locator("iframe")
    frame.get_by_label("Please enter your name").fill("Ada Lovelace")
    frame.get_by_label("Postcode", exact=True).fill("not a postcode")
    read_to_the_end(visitor)
    frame.get_by_role("button", name="Sign the petition").click()

    # Brought into view: the partner's page was scrolled down to its end.
    expect(frame.get_by_role("heading", name="There is a problem")).to_be_in_viewport()
    expect(frame.get_by_label("Please enter your name")).to_have_value("Ada Lovelace")
    expect(frame.get_by_label("Postcode", exact=True)).to_have_value("not a postcode")
    visitor.screenshot(path=str(SCREENSHOTS / "embed-on-partner-site-error-390.png"))
    assert not Signature.objects.exists()


def test_a_site_not_listed_cannot_show_the_form(
    live_server, campaign_petition, partner_page, visitor
):
    list_origins(campaign_petition, "https://someone-else.example.org")
    partner_page.frame_src = embed_address(live_server, campaign_petition)

    visitor.goto(partner_page.origin + "/")

    inside = framed(visitor)
    assert inside.url.startswith("chrome-error://"), inside.url
    assert inside.locator("form.sign-form").count() == 0
    # Opened on its own, the same address shows the form.
    visitor.goto(partner_page.frame_src)
    expect(visitor.get_by_role("button", name="Sign the petition")).to_be_visible()


def test_the_embed_reads_well_on_a_phone(live_server, campaign_petition, visitor, screenshot):
    visitor.goto(embed_address(live_server, campaign_petition))

    expect(visitor.get_by_role("button", name="Sign the petition")).to_be_visible()
    assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visitor.set_viewport_size({"width": 300, "height": 800})
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 300
    visitor.set_viewport_size(PHONE)
    screenshot(visitor, "embed-390")
