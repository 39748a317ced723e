"""The news demo content: the reference story and the plain pages, loaded safely twice."""

from __future__ import annotations

import pytest
from wagtail.documents import get_document_model
from wagtail.models import Page

from undersigned.news.demo import news_demo_load
from undersigned.news.models import NewsletterPage, NewsStoryPage, StandardPage

pytestmark = pytest.mark.django_db


def test_loading_the_news_demo_twice_creates_nothing_the_second_time(home, petition):
    news_demo_load(home=home, petition=petition)
    pages, documents = Page.objects.count(), get_document_model().objects.count()

    news_demo_load(home=home, petition=petition)

    assert Page.objects.count() == pages
    assert get_document_model().objects.count() == documents == 2


def test_the_demo_reproduces_the_reference_story_with_fictional_names(client, home, petition):
    news_demo_load(home=home, petition=petition)
    story = NewsStoryPage.objects.get(slug="childrens-services-rated-inadequate")

    html = client.get(story.url).content.decode()

    assert story.related_petition_id == petition.pk
    assert "4 September 2017" in html
    assert "Extraordinary Council Meeting" in html
    assert "Notes to editors" in html
    assert '<ol class="numbered-paragraph" start="58">' in html
    assert "Ambition and prioritisation are good." in html
    assert '<a href="tel:+442079460500">020 7946 0500</a>' in html
    assert 'href="https://example.org/reports/' in html
    assert "Sign the petition" in html
    assert "Croydon" not in html


def test_the_demo_builds_the_sections_of_the_reference_site(client, home, petition):
    news_demo_load(home=home, petition=petition)

    menu = [page.slug for page in home.get_children().live().in_menu()]
    for slug in (
        "news",
        "videos",
        "newsletters",
        "parliament-and-assembly",
        "boundary-review",
        "youth",
    ):
        assert slug in menu
        assert client.get(f"/{slug}/").status_code == 200
    assert NewsStoryPage.objects.live().count() == 4
    assert (
        StandardPage.objects.child_of(Page.objects.get(slug="parliament-and-assembly")).count() == 2
    )
    privacy_link = home.get_children().get(slug="privacy-policy").specific
    assert privacy_link.link_url == "/privacy/"
    assert client.get("/privacy/").status_code == 200


def test_the_demo_newsletters_are_real_pdf_files(client, home, petition):
    news_demo_load(home=home, petition=petition)
    issues = NewsletterPage.objects.get().issues.all()

    assert issues.count() == 2
    for issue in issues:
        content = b"".join(client.get(issue.document.url).streaming_content)
        assert content.startswith(b"%PDF-1.4")
        assert content.rstrip().endswith(b"%%EOF")
        assert issue.document.file_size == len(content)
