"""Every public page describes itself once for search results and link previews."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from wagtail.models import Site

from tests.factories import NewsStoryPageFactory, PetitionPageFactory
from undersigned.site.models import SiteSettings

pytestmark = pytest.mark.django_db


class _MetaDescriptions(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name") == "description":
            self.found.append(attributes.get("content") or "")


def description(client, url: str) -> str:
    """The page's one meta description (decoded), failing if there is none or several."""
    parser = _MetaDescriptions()
    parser.feed(client.get(url).content.decode())
    assert len(parser.found) == 1, parser.found
    return parser.found[0]


@pytest.fixture
def site_settings(home) -> SiteSettings:
    settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.organisation_name = "Northfield Residents"
    settings.tagline = "Standing up for our neighbourhood"
    settings.description = "Residents of Northfield campaigning for better local services."
    settings.save()
    return settings


def test_the_home_page_is_described_by_its_introduction_as_plain_text(client, home, site_settings):
    home.intro = "<p>We are <b>residents</b> of Northfield &amp; Eastfield.</p>"
    home.save()

    assert description(client, "/") == "We are residents of Northfield & Eastfield."


def test_a_search_description_set_by_the_organisers_comes_first(client, home, site_settings):
    home.intro = "<p>We are residents of Northfield.</p>"
    home.search_description = "Petitions and news from Northfield."
    home.save()

    assert description(client, "/") == "Petitions and news from Northfield."


def test_a_page_without_a_summary_of_its_own_is_described_by_the_site(client, home, site_settings):
    assert description(client, "/") == site_settings.description


def test_without_a_site_description_the_tagline_describes_the_site(client, home, site_settings):
    site_settings.description = ""
    site_settings.save()

    assert description(client, "/") == "Standing up for our neighbourhood"


def test_with_nothing_else_to_go_on_the_organisation_names_itself(client, home, site_settings):
    site_settings.description = ""
    site_settings.tagline = ""
    site_settings.save()

    assert description(client, "/") == "Northfield Residents"


def test_a_petition_is_described_by_its_summary(client, home, site_settings):
    petition = PetitionPageFactory(summary="Keep the library open at its current hours.")

    assert description(client, petition.url) == "Keep the library open at its current hours."


def test_a_story_and_its_printer_ready_view_are_described_by_the_standfirst(
    client, home, site_settings
):
    story = NewsStoryPageFactory(standfirst="The council plans to close the library.")

    assert description(client, story.url) == "The council plans to close the library."
    assert description(client, story.url + "print/") == "The council plans to close the library."


def test_pages_outside_the_tree_are_described_too(client, home, site_settings):
    assert description(client, "/no-such-page/") == site_settings.description
    assert description(client, "/search/?q=library") == site_settings.description
    assert "Northfield Residents" in description(client, "/privacy/")


def test_a_long_summary_is_cut_short_at_a_whole_character_count(client, home, site_settings):
    petition = PetitionPageFactory(summary="Keep the library open. " * 40)

    text = description(client, petition.url)
    assert len(text) <= 300
    assert text.endswith("…")
    assert text.startswith("Keep the library open. Keep")


def test_a_plain_text_summary_is_kept_as_typed_angle_brackets_and_all(client, home, site_settings):
    petition = PetitionPageFactory(summary="Say <no> to the closure & keep it open.")

    assert description(client, petition.url) == "Say <no> to the closure & keep it open."
