"""Petition cards (image, count, progress) and a petition's image and stories, in Chromium at
desktop and phone widths, with screenshots to look at."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.images import ImageFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from wagtail.images import get_image_model

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.factories import (
    NewsStoryPageFactory,
    PetitionPageFactory,
    SignatureFactory,
    petition_index,
    site_home,
)

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
IMAGE_SHOWN = "image => image.complete && image.naturalWidth > 0"
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def a_photo(title: str):
    """A wide picture with some shapes in it, standing in for an organiser's photo."""
    picture = Image.new("RGB", (1600, 1000), (92, 140, 170))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 650, 1600, 1000), fill=(70, 110, 60))
    draw.rectangle((500, 300, 1100, 700), fill=(190, 170, 140))
    draw.polygon([(450, 300), (800, 120), (1150, 300)], fill=(140, 60, 50))
    draw.ellipse((1250, 80, 1450, 280), fill=(250, 220, 120))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return get_image_model().objects.create(
        title=title,
        description="Northfield Library, a red-roofed building on the green",
        file=ImageFile(out, name="library.jpg"),
    )


@pytest.fixture
def petitions_with_support(campaign_petition):
    campaign_petition.image = a_photo("Northfield Library")
    campaign_petition.signature_goal = 500
    campaign_petition.save_revision().publish()
    SignatureFactory.create_batch(130, petition=campaign_petition)
    pool = PetitionPageFactory(
        title="Reopen the Łąkowa Street swimming pool for Zoë and her friends",
        summary="The pool has been shut since the spring. We want it back before summer.",
        signature_goal=200,
    )
    SignatureFactory.create_batch(45, petition=pool)
    NewsStoryPageFactory(
        title="Hundreds join a read-in at Northfield Library", related_petition=campaign_petition
    )
    NewsStoryPageFactory(
        title="Council to decide the library's future in May",
        body=[
            (
                "paragraph",
                f'<p>Please <a linktype="page" id="{campaign_petition.pk}">sign the '
                "petition</a> before the vote.</p>",
            )
        ],
    )
    return campaign_petition, pool


def axe_findings(page, selector: str) -> list[str]:
    if not AXE_SCRIPT.exists():
        pytest.skip(f"{AXE_SCRIPT} is missing: run `npm ci` to install axe-core")
    page.evaluate(AXE_SCRIPT.read_text())
    violations = page.evaluate(
        "async selector => (await axe.run({include: [selector]},"
        " {resultTypes: ['violations']})).violations",
        selector,
    )
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in violations]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_petition_cards_show_image_count_and_progress_on_the_section_and_home_page(
    browser_page, petitions_with_support, screenshot, viewport
):
    library, _ = petitions_with_support
    page = browser_page
    page.set_viewport_size(viewport)
    width = "desktop" if viewport is DESKTOP else "phone"

    for name, url in (("petitions", petition_index().url), ("home", site_home().url)):
        page.goto(url)
        library_card = page.locator(".petition-card", has_text=library.title)
        expect(library_card).to_contain_text("130 signatures of 500")
        expect(library_card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "26")
        expect(library_card.get_by_role("progressbar")).to_have_accessible_name(
            "130 signatures of 500"
        )
        assert library_card.locator("img").evaluate(IMAGE_SHOWN)
        pool_card = page.locator(".petition-card", has_text="Łąkowa Street")
        expect(pool_card).to_contain_text("45 signatures of 200")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        assert axe_findings(page, ".petition-card-list") == []
        screenshot(page, f"petition-cards-{name}-{width}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_petition_page_shows_its_image_and_the_stories_that_promote_it(
    browser_page, petitions_with_support, screenshot, viewport
):
    library, _ = petitions_with_support
    page = browser_page
    page.set_viewport_size(viewport)
    page.goto(library.url)

    image = page.get_by_role("img", name="Northfield Library, a red-roofed building")
    assert image.evaluate(IMAGE_SHOWN)
    assert image.bounding_box()["width"] <= viewport["width"]
    stories = page.get_by_role("region", name="Stories about this petition")
    expect(stories.get_by_role("link")).to_have_count(2)
    stories.get_by_role("link", name="Council to decide the library's future in May").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Council to decide the library's future in May"
    )
    page.go_back()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert axe_findings(page, ".petition-stories") == []
    width = "desktop" if viewport is DESKTOP else "phone"
    screenshot(page, f"petition-image-stories-{width}")


def test_the_generated_share_card_opens_as_a_picture(browser_page, campaign_petition):
    page = browser_page
    page.goto(campaign_petition.url)
    address = page.locator('meta[property="og:image"]').get_attribute("content")

    response = page.goto(address)

    assert response.headers["content-type"] == "image/png"
    assert page.locator("img").evaluate("image => [image.naturalWidth, image.naturalHeight]") == [
        1200,
        630,
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "share-card.png").write_bytes(response.body())
