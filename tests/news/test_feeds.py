"""The RSS and Atom feeds of a news section, read back with a real feed parser."""

from __future__ import annotations

import datetime

import feedparser
import pytest

from tests.factories import NewsStoryPageFactory, news_index
from undersigned.news.feeds import FEED_LENGTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories(home):
    return [
        NewsStoryPageFactory(
            title="Library saved",
            date=datetime.date(2017, 9, 4),
            standfirst="The council backs down.",
            author="Jo Patel",
            tags=["Libraries"],
        ),
        NewsStoryPageFactory(title="Potholes & puddles", date=datetime.date(2017, 8, 1)),
    ]


def parsed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return response, feedparser.parse(response.content)


def test_the_rss_feed_is_valid_rss_with_the_stories_newest_first(client, stories):
    response, feed = parsed(client, f"{news_index().url}feed/rss/")

    assert response["Content-Type"].startswith("application/rss+xml")
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title == "News | Example Borough Residents"
    assert feed.feed.link == f"http://testserver{news_index().url}"
    assert [entry.title for entry in feed.entries] == ["Library saved", "Potholes & puddles"]
    first = feed.entries[0]
    assert first.link == f"http://testserver{stories[0].url}"
    assert first.summary == "The council backs down."
    assert first.published_parsed[:3] == (2017, 9, 4)
    assert [tag.term for tag in first.tags] == ["Libraries"]


def test_the_atom_feed_is_valid_atom_with_ids_dates_and_authors(client, stories):
    response, feed = parsed(client, f"{news_index().url}feed/atom/")

    assert response["Content-Type"].startswith("application/atom+xml")
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.links[0].href == f"http://testserver{news_index().url}"
    assert [entry.title for entry in feed.entries] == ["Library saved", "Potholes & puddles"]
    first = feed.entries[0]
    assert first.id == f"http://testserver{stories[0].url}"
    assert first.link == f"http://testserver{stories[0].url}"
    assert first.author == "Jo Patel"
    assert first.published_parsed[:3] == (2017, 9, 4)
    assert first.updated_parsed is not None


def test_the_feed_leaves_out_drafts_and_keeps_only_the_latest_stories(client, home):
    for day in range(1, FEED_LENGTH + 3):
        NewsStoryPageFactory(title=f"Story {day}", date=datetime.date(2017, 1, day))
    NewsStoryPageFactory(title="Embargoed", date=datetime.date(2018, 1, 1)).unpublish()

    _, feed = parsed(client, f"{news_index().url}feed/rss/")

    assert len(feed.entries) == FEED_LENGTH
    assert feed.entries[0].title == f"Story {FEED_LENGTH + 2}"
    assert "Embargoed" not in {entry.title for entry in feed.entries}


def test_an_empty_section_still_has_a_valid_feed(client, home):
    _, feed = parsed(client, f"{news_index().url}feed/atom/")
    assert not feed.bozo
    assert feed.entries == []
