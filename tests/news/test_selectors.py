"""Reads for news: published stories by section and tag, petition calls to action, newsletters."""

from __future__ import annotations

import datetime

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
from undersigned.news import selectors
from undersigned.news.models import NewsIndexPage
from undersigned.petitions.models import SignatureState

pytestmark = pytest.mark.django_db


def test_published_stories_come_newest_first_by_their_date(home):
    old = NewsStoryPageFactory(date=datetime.date(2016, 1, 1))
    new = NewsStoryPageFactory(date=datetime.date(2018, 1, 1))
    middle = NewsStoryPageFactory(date=datetime.date(2017, 1, 1))

    assert list(selectors.story_list_published()) == [new, middle, old]


def test_published_stories_leave_out_drafts_and_other_sections(home):
    mine = NewsStoryPageFactory()
    NewsStoryPageFactory().unpublish()
    other_section = NewsIndexPage(title="Ward news", slug="ward-news")
    home.add_child(instance=other_section)
    elsewhere = NewsStoryPageFactory(parent=other_section)

    assert list(selectors.story_list_published(section=news_index())) == [mine]
    assert set(selectors.story_list_published()) == {mine, elsewhere}


def test_stories_can_be_filtered_by_a_tag_slug(home):
    library = NewsStoryPageFactory(tags=["Libraries", "Northfield"])
    NewsStoryPageFactory(tags=["Roads"])

    assert list(selectors.story_list_published(tag_slug="libraries")) == [library]
    assert list(selectors.story_list_published(tag_slug="nothing")) == []
    assert selectors.story_tag_get(slug="northfield").name == "Northfield"
    assert selectors.story_tag_get(slug="nothing") is None


def test_a_story_call_to_action_counts_only_counted_signatures(home):
    petition = PetitionPageFactory(signature_goal=10)
    story = NewsStoryPageFactory(related_petition=petition)
    SignatureFactory.create_batch(3, petition=petition)
    SignatureFactory(petition=petition, state=SignatureState.INVALIDATED)

    call = selectors.story_petition_call_to_action(story=story)

    assert call.petition == petition
    assert call.signature_count == 3
    assert call.progress_percent == 30
    assert call.accepting


def test_a_story_without_a_published_petition_has_no_call_to_action(home):
    assert selectors.story_petition_call_to_action(story=NewsStoryPageFactory()) is None
    draft = PetitionPageFactory()
    draft.unpublish()
    story = NewsStoryPageFactory(related_petition=draft)
    assert selectors.story_petition_call_to_action(story=story) is None


def test_a_story_section_is_its_news_index(home):
    story = NewsStoryPageFactory()
    assert selectors.story_section(story=story) == news_index()


def test_a_section_page_lists_its_live_children_in_the_editors_order(home):
    section = SectionPageFactory()
    first = StandardPageFactory(parent=section, title="Zebra crossing")
    second = StandardPageFactory(parent=section, title="Aardvark lane")
    StandardPageFactory(parent=section).unpublish()

    assert list(selectors.section_child_pages(section=section)) == [first, second]


def test_newsletter_issues_come_newest_first_and_skip_deleted_documents(home):
    page = NewsletterPageFactory()
    old = NewsletterIssueFactory(page=page, date=datetime.date(2017, 1, 1))
    new = NewsletterIssueFactory(page=page, date=datetime.date(2018, 1, 1))
    gone = NewsletterIssueFactory(page=page, date=datetime.date(2019, 1, 1))
    gone.document.delete()

    assert list(selectors.newsletter_issue_list(page=page)) == [new, old]
