"""Reads for news: published stories and their tags, sections' pages, videos, newsletters."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from taggit.models import Tag
from wagtail.models import Page

from undersigned.news.models import (
    NewsIndexPage,
    NewsletterIssue,
    NewsletterPage,
    NewsStoryPage,
    SectionPage,
    VideoIndexPage,
    VideoPage,
)
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions.models import PetitionPage


def story_list_published(
    *, section: NewsIndexPage | None = None, tag_slug: str | None = None
) -> QuerySet[NewsStoryPage]:
    """Live, public stories, newest first; of one section and with one tag when given."""
    stories = NewsStoryPage.objects.live().public()
    if section is not None:
        stories = stories.child_of(section)
    if tag_slug:
        stories = stories.filter(tags__slug=tag_slug)
    return stories.order_by("-date", "-first_published_at", "-pk")


def story_tag_get(*, slug: str) -> Tag | None:
    return Tag.objects.filter(slug=slug).first()


def story_tag_list(*, story: NewsStoryPage) -> list[Tag]:
    return list(story.tags.order_by("name"))


def story_section(*, story: NewsStoryPage) -> NewsIndexPage | None:
    """The news section a story belongs to (its parent page)."""
    return NewsIndexPage.objects.filter(pk=story.get_parent().pk).first()


@dataclass(frozen=True)
class PetitionCallToAction:
    """What a story shows of its petition: the petition, its live count and progress."""

    petition: PetitionPage
    signature_count: int
    progress_percent: int
    accepting: bool


def story_petition_call_to_action(*, story: NewsStoryPage) -> PetitionCallToAction | None:
    """The story's related petition with its count, when that petition is published."""
    if story.related_petition_id is None:
        return None
    petition = PetitionPage.objects.live().public().filter(pk=story.related_petition_id).first()
    if petition is None:
        return None
    count = petition_selectors.signature_count(petition=petition)
    return PetitionCallToAction(
        petition=petition,
        signature_count=count,
        progress_percent=petition_selectors.signature_progress_percent(
            count=count, goal=petition.signature_goal
        ),
        accepting=petition.is_accepting_signatures(),
    )


def section_child_pages(*, section: SectionPage) -> QuerySet[Page]:
    """The live, public pages under a section page, in the order editors gave them."""
    return section.get_children().live().public().specific()


def video_list_published(*, section: VideoIndexPage) -> QuerySet[VideoPage]:
    return VideoPage.objects.live().public().child_of(section).order_by("-date", "-pk")


def newsletter_issue_list(*, page: NewsletterPage) -> QuerySet[NewsletterIssue]:
    """The issues of a newsletters page that still have their document, newest first."""
    # Through the page's own relation, so that a preview shows the issues being edited.
    return page.issues.filter(document__isnull=False).order_by("-date", "-sort_order")
