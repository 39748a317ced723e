"""A petition's page lists the news stories that promote it."""

from __future__ import annotations

import re

import pytest

from tests.factories import NewsStoryPageFactory, PetitionPageFactory, StandardPageFactory
from undersigned.petitions import selectors


def stories_section(html: str) -> str:
    found = re.search(r'<section class="petition-stories".*?</section>', html, re.S)
    return found.group(0) if found else ""


def link_to(petition) -> list:
    return [("paragraph", f'<p>Please <a linktype="page" id="{petition.pk}">sign</a>.</p>')]


@pytest.mark.django_db
def test_the_petition_page_lists_stories_that_name_it_or_link_to_it(client, petition):
    named = NewsStoryPageFactory(title="Read-in at the library", related_petition=petition)
    linking = NewsStoryPageFactory(title="Council to decide in May", body=link_to(petition))
    NewsStoryPageFactory(title="An unrelated story")

    section = stories_section(client.get(petition.url).content.decode())

    assert "Stories about this petition" in section
    assert f'<a href="{named.url}">Read-in at the library</a>' in section
    assert f'<a href="{linking.url}">Council to decide in May</a>' in section
    assert "An unrelated story" not in section


@pytest.mark.django_db
def test_stories_not_published_and_pages_that_are_not_stories_are_not_listed(client, petition):
    NewsStoryPageFactory(title="Draft story", related_petition=petition, live=False)
    StandardPageFactory(title="Get involved", body=link_to(petition))

    assert selectors.petition_story_list(petition=petition) == []
    assert stories_section(client.get(petition.url).content.decode()) == ""


@pytest.mark.django_db
def test_a_petition_lists_its_newest_stories_first(petition):
    older = NewsStoryPageFactory(related_petition=petition)
    newer = NewsStoryPageFactory(related_petition=petition)
    other = PetitionPageFactory()
    NewsStoryPageFactory(related_petition=other)

    assert selectors.petition_story_list(petition=petition) == [newer, older]
