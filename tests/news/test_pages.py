"""News pages through HTTP: the story list, a story, its printer-ready view, plain pages."""

from __future__ import annotations

import datetime
import re

import pytest

from tests.factories import (
    NewsletterIssueFactory,
    NewsletterPageFactory,
    NewsStoryPageFactory,
    PetitionPageFactory,
    SectionPageFactory,
    SignatureFactory,
    StandardPageFactory,
    news_index,
)
from tests.html_forms import form_submit
from undersigned.news.models import NewsIndexPage, NewsStoryPage, StandardPage, VideoPage
from undersigned.petitions.models import PetitionState
from undersigned.speed.caching import forget_everything

pytestmark = pytest.mark.django_db


def html_of(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def story_titles(html: str) -> list[str]:
    return re.findall(r'class="story-list__title"><a href="[^"]+">([^<]+)</a>', html)


def notes_to_editors() -> list:
    return [
        ("paragraph", "<p>The key findings are:</p><ul><li>Too many services are poor.</li></ul>"),
        ("numbered_paragraph", {"number": 58, "text": "<p>Ambition and prioritisation.</p>"}),
    ]


def test_the_story_list_shows_the_newest_story_first(client, home):
    NewsStoryPageFactory(title="Old news", date=datetime.date(2017, 1, 5))
    NewsStoryPageFactory(title="Latest news", date=datetime.date(2017, 9, 4))
    NewsStoryPageFactory(title="Middle news", date=datetime.date(2017, 6, 1))

    html = html_of(client, news_index().url)

    assert story_titles(html) == ["Latest news", "Middle news", "Old news"]


def test_the_story_list_shows_ten_stories_a_page_with_links_between_pages(client, home):
    for day in range(1, 24):
        NewsStoryPageFactory(title=f"Story of day {day}", date=datetime.date(2017, 3, day))
    url = news_index().url

    first, second, third = (html_of(client, url, page=n) for n in (1, 2, 3))

    assert story_titles(first) == [f"Story of day {day}" for day in range(23, 13, -1)]
    assert story_titles(second) == [f"Story of day {day}" for day in range(13, 3, -1)]
    assert story_titles(third) == [f"Story of day {day}" for day in range(3, 0, -1)]
    assert 'rel="next" href="?page=2"' in first
    assert 'rel="prev"' not in first
    assert 'rel="prev" href="?"' in second  # page 1 is the plain section address
    assert 'rel="next" href="?page=3"' in second
    assert 'aria-current="page"><span class="visually-hidden">Page </span>3<' in third


@pytest.mark.parametrize("bad_page", ["999", "0", "-1"])
def test_a_page_number_past_either_end_shows_the_nearest_page_instead_of_an_error(
    client, home, bad_page
):
    for day in range(1, 13):
        NewsStoryPageFactory(title=f"Story of day {day}", date=datetime.date(2017, 3, day))

    html = html_of(client, news_index().url, page=bad_page)

    assert story_titles(html) == ["Story of day 2", "Story of day 1"]


@pytest.mark.parametrize("bad_page", ["abc", "", "2.5", "<script>"])
def test_a_page_number_that_is_not_a_number_shows_the_first_page(client, home, bad_page):
    for day in range(1, 13):
        NewsStoryPageFactory(title=f"Story of day {day}", date=datetime.date(2017, 3, day))

    html = html_of(client, news_index().url, page=bad_page)

    assert story_titles(html)[0] == "Story of day 12"
    assert "<script>" not in html.split("<main", 1)[1]


def test_the_tag_filter_lists_only_stories_with_that_tag_and_keeps_it_across_pages(client, home):
    for day in range(1, 13):
        NewsStoryPageFactory(
            title=f"Library story {day}", date=datetime.date(2017, 3, day), tags=["Libraries"]
        )
    NewsStoryPageFactory(title="Pothole story", tags=["Roads"])
    NewsStoryPageFactory(title="Untagged story")

    html = html_of(client, news_index().url, tag="libraries")

    assert len(story_titles(html)) == 10
    assert all(title.startswith("Library story") for title in story_titles(html))
    assert "Showing stories tagged <strong>Libraries</strong>." in html
    assert 'href="?tag=libraries&amp;page=2"' in html
    page_two = html_of(client, news_index().url, tag="libraries", page=2)
    assert story_titles(page_two) == ["Library story 2", "Library story 1"]


def test_an_unknown_tag_shows_an_empty_list_and_a_way_back_to_all_stories(client, home):
    NewsStoryPageFactory(title="Pothole story", tags=["Roads"])

    html = html_of(client, news_index().url, tag="no-such-tag")

    assert story_titles(html) == []
    assert "No stories have this tag." in html
    assert f'<a href="{news_index().url}">Show all stories</a>' in html


def test_the_story_shows_its_date_author_standfirst_body_and_notes_to_editors(client, home):
    story = NewsStoryPageFactory(
        title="Children's services rated inadequate",
        date=datetime.date(2017, 9, 4),
        author="Jo Patel",
        standfirst="The service failed its inspection.",
        body=[
            ("paragraph", "<p>In a devastating announcement this morning.</p>"),
            ("quote", {"text": "A sad day for our town.", "attribution": "Cllr Chris Holloway"}),
        ],
        notes_to_editors=notes_to_editors(),
    )

    html = html_of(client, story.url)

    assert '<time class="story__date" datetime="2017-09-04">4 September 2017</time>' in html
    assert "By Jo Patel" in html
    assert "<h1>Children&#x27;s services rated inadequate</h1>" in html
    assert '<p class="lede">The service failed its inspection.</p>' in html
    assert "In a devastating announcement this morning." in html
    assert "<blockquote><p>A sad day for our town.</p></blockquote>" in html
    assert '<h2 id="notes-to-editors-title">Notes to editors</h2>' in html
    assert "<li>Too many services are poor.</li>" in html
    assert '<ol class="numbered-paragraph" start="58">' in html


def test_a_story_without_notes_to_editors_has_no_empty_notes_heading(client, home):
    html = html_of(client, NewsStoryPageFactory().url)
    assert "Notes to editors" not in html


def test_the_story_links_its_tags_to_the_filtered_story_list(client, home):
    story = NewsStoryPageFactory(tags=["Children's services"])

    html = html_of(client, story.url)

    assert (
        f'<a href="{news_index().url}?tag=childrens-services">Children&#x27;s services</a>' in html
    )


def test_the_story_shows_its_petition_with_the_live_count_and_a_sign_button(client, home):
    petition = PetitionPageFactory(signature_goal=200)
    story = NewsStoryPageFactory(related_petition=petition)
    for _ in range(50):
        SignatureFactory(petition=petition)

    html = html_of(client, story.url)

    assert f'<h2 id="petition-call-title">{petition.title}</h2>' in html
    assert "<strong>50</strong> signatures" in html
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="25"' in html
    assert "Goal: 200 signatures" in html
    assert f'href="{petition.url}#sign">Sign the petition</a>' in html

    SignatureFactory(petition=petition)
    forget_everything()  # the count and the page kept for a couple of seconds lapse
    assert "<strong>51</strong> signatures" in html_of(client, story.url)


def test_a_closed_petition_shows_its_count_but_no_sign_button(client, home):
    petition = PetitionPageFactory(state=PetitionState.CLOSED)
    SignatureFactory(petition=petition)
    story = NewsStoryPageFactory(related_petition=petition)

    html = html_of(client, story.url)

    assert "<strong>1</strong> signature" in html
    assert "Sign the petition" not in html
    assert f'href="{petition.url}">Read the petition</a>' in html


def test_an_unpublished_petition_is_not_shown_under_the_story(client, home):
    petition = PetitionPageFactory()
    petition.unpublish()
    story = NewsStoryPageFactory(related_petition=petition)

    html = html_of(client, story.url)

    assert "petition-call" not in html
    assert petition.title not in html


def test_the_section_and_its_stories_advertise_the_rss_and_atom_feeds(client, home):
    story = NewsStoryPageFactory()
    section_url = news_index().url
    rss = (
        '<link rel="alternate" type="application/rss+xml" title="News (RSS)" '
        f'href="{section_url}feed/rss/">'
    )
    atom = (
        '<link rel="alternate" type="application/atom+xml" title="News (Atom)" '
        f'href="{section_url}feed/atom/">'
    )

    for url in (section_url, story.url):
        html = html_of(client, url)
        assert rss in html
        assert atom in html


def test_the_story_links_to_its_printer_ready_version_and_back_to_its_section(client, home):
    story = NewsStoryPageFactory()

    html = html_of(client, story.url)

    assert (
        f'<a class="story-tools__print" href="{story.url}print/">Printer-ready version</a>' in html
    )
    assert f'<a class="story-tools__back" href="{news_index().url}" data-back-link' in html
    assert 'data-back-text="Return to previous page">Back to News</a>' in html


def test_the_printer_ready_view_has_the_story_and_notes_but_no_navigation_or_footer(client, home):
    petition = PetitionPageFactory()
    SignatureFactory(petition=petition)
    story = NewsStoryPageFactory(
        title="Inspectors rate children's services inadequate",
        body=[("paragraph", "<p>In a devastating announcement this morning.</p>")],
        notes_to_editors=notes_to_editors(),
        related_petition=petition,
    )
    NewsStoryPageFactory(title="Another story in the same section")

    html = html_of(client, f"{story.url}print/")

    assert "<h1>Inspectors rate children&#x27;s services inadequate</h1>" in html
    assert "In a devastating announcement this morning." in html
    assert "Notes to editors" in html
    assert '<ol class="numbered-paragraph" start="58">' in html
    for chrome in ("site-header", "main-nav", "site-footer", "<nav", "<footer", "skip-link"):
        assert chrome not in html
    assert "Another story in the same section" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="/static/news/print.css"' in html
    assert f"Online at http://testserver{story.url}" in html
    assert f"Sign at http://testserver{petition.url}" in html
    assert "1 person has signed so far." in html


def test_the_normal_story_page_print_stylesheet_hides_the_navigation():
    from pathlib import Path

    import undersigned.site

    css = (Path(undersigned.site.__file__).parent / "static/site/site.css").read_text()
    news_section = css.split("/* News */", 1)[1]
    print_rules = news_section.split("@media print {", 1)[1]
    assert ".site-header" in print_rules
    assert ".main-nav" in print_rules
    assert ".story-tools" in print_rules


def test_a_draft_story_is_not_listed_and_its_print_view_is_not_found(client, home):
    story = NewsStoryPageFactory(title="Embargoed story")
    story.unpublish()

    assert "Embargoed story" not in html_of(client, news_index().url)
    assert client.get(f"{story.url}print/").status_code == 404


def test_a_standard_page_shows_its_intro_and_body(client, home):
    page = StandardPageFactory(
        title="Privacy policy & cookies",
        intro="How we look after your data.",
        body=[("heading", "Cookies"), ("paragraph", "<p>We set no tracking cookies.</p>")],
    )

    html = html_of(client, page.url)

    assert "<h1>Privacy policy &amp; cookies</h1>" in html
    assert '<p class="lede">How we look after your data.</p>' in html
    assert "<h2>Cookies</h2>" in html
    assert "We set no tracking cookies." in html


def test_a_section_page_lists_its_published_child_pages(client, home):
    section = SectionPageFactory(title="Parliament & assembly")
    StandardPageFactory(parent=section, title="Example North", intro="The northern seat.")
    StandardPageFactory(parent=section, title="Example South", intro="The southern seat.")
    StandardPageFactory(parent=section, title="Draft seat").unpublish()

    html = html_of(client, section.url)

    assert re.findall(r'<h2 class="card__title"><a href="[^"]+">([^<]+)</a>', html) == [
        "Example North",
        "Example South",
    ]
    assert "The northern seat." in html


def test_the_newsletter_page_lists_issues_newest_first_with_download_links(client, home):
    page = NewsletterPageFactory(title="Newsletters")
    autumn = NewsletterIssueFactory(page=page, title="Autumn 2017", date=datetime.date(2017, 10, 1))
    NewsletterIssueFactory(page=page, title="Spring 2018", date=datetime.date(2018, 3, 1))

    html = html_of(client, page.url)

    titles = re.findall(r'<h2 class="document-list__title">([^<]+)</h2>', html)
    assert titles == ["Spring 2018", "Autumn 2017"]
    assert f'href="{autumn.document.url}" download' in html
    assert "(PDF" in html
    download = client.get(autumn.document.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_page_tree_is_pinned_so_stories_live_only_in_news_sections(home):
    section = news_index()
    assert NewsStoryPage.can_create_at(section)
    assert not NewsStoryPage.can_create_at(home)
    assert not StandardPage.can_create_at(section)
    assert not VideoPage.can_create_at(home)
    assert NewsIndexPage.can_create_at(home)
    assert NewsIndexPage.can_create_at(SectionPageFactory())


@pytest.mark.parametrize(
    ("model", "parent"),
    [
        ("newsstorypage", news_index),
        ("newsindexpage", lambda: news_index().get_parent()),
        ("standardpage", lambda: news_index().get_parent()),
        ("sectionpage", lambda: news_index().get_parent()),
        ("videoindexpage", lambda: news_index().get_parent()),
        ("newsletterpage", lambda: news_index().get_parent()),
    ],
)
def test_an_organiser_can_open_the_form_for_a_new_page_of_each_type(
    admin_client, home, model, parent
):
    response = admin_client.get(f"/admin/pages/add/news/{model}/{parent().pk}/")
    assert response.status_code == 200


def test_an_organiser_can_add_a_story_with_tags_notes_and_a_petition_in_the_admin(
    admin_client, home
):
    petition = PetitionPageFactory()
    section = news_index()
    form = {
        "title": "Library saved",
        "slug": "library-saved",
        "date": "2017-09-04",
        "author": "Jo Patel",
        "tags": "Libraries, Good news",
        "standfirst": "The council backs down.",
        "body-count": "1",
        "body-0-type": "paragraph",
        "body-0-value": '{"blocks": [{"key": "a", "type": "unstyled", "text": "We did it.", '
        '"depth": 0, "inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}}',
        "body-0-deleted": "",
        "body-0-order": "0",
        "notes_to_editors-count": "0",
        "related_petition": str(petition.pk),
    }

    add = f"/admin/pages/add/news/newsstorypage/{section.pk}/"
    response = form_submit(admin_client, add, form, action=add, button="action-publish")

    assert response.status_code == 302, response.context["form"].errors
    story = NewsStoryPage.objects.get(slug="library-saved")
    assert story.live
    assert sorted(tag.name for tag in story.tags.all()) == ["Good news", "Libraries"]
    assert story.related_petition.pk == petition.pk


def test_a_story_invites_readers_to_meet_their_local_team(client, home):
    from tests.factories import WardTeamPageFactory

    WardTeamPageFactory()
    story = NewsStoryPageFactory()
    html = html_of(client, story.url)
    assert "Meet your local team" in html
