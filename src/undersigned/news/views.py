"""What the news pages show beyond their own fields, read through the news selectors.

Registered with :func:`undersigned.site.page_views.page_view`: the page models ask for it by
name (they cannot import the selectors, which import them).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from undersigned.news import selectors
from undersigned.news.feeds import StoryAtomFeed, StoryRssFeed
from undersigned.news.models import (
    NewsIndexPage,
    NewsletterPage,
    NewsStoryPage,
    SectionPage,
    VideoIndexPage,
)
from undersigned.site.page_views import page_view


@page_view(NewsIndexPage, "context")
def news_index_context(request: HttpRequest, page: NewsIndexPage) -> dict:
    """The section's published stories, ten to a page, optionally those with one tag."""
    tag_slug = request.GET.get("tag", "").strip()[:100]
    stories = selectors.story_list_published(section=page, tag_slug=tag_slug or None)
    # get_page() turns a missing, malformed or out-of-range ?page= into the nearest page.
    page_obj = Paginator(stories, page.stories_per_page).get_page(request.GET.get("page"))
    return {
        "section": page,
        "tag_slug": tag_slug,
        "tag": selectors.story_tag_get(slug=tag_slug) if tag_slug else None,
        "page_obj": page_obj,
        "page_range": page_obj.paginator.get_elided_page_range(
            page_obj.number, on_each_side=1, on_ends=1
        ),
        "stories": page_obj.object_list,
    }


@page_view(NewsIndexPage, "feed_rss")
def news_index_feed_rss(request: HttpRequest, page: NewsIndexPage) -> HttpResponse:
    return StoryRssFeed()(request, section=page)


@page_view(NewsIndexPage, "feed_atom")
def news_index_feed_atom(request: HttpRequest, page: NewsIndexPage) -> HttpResponse:
    return StoryAtomFeed()(request, section=page)


@page_view(NewsStoryPage, "context")
def news_story_context(request: HttpRequest, page: NewsStoryPage) -> dict:
    return {
        "section": selectors.story_section(story=page),
        "story_tags": selectors.story_tag_list(story=page),
        "petition_call": selectors.story_petition_call_to_action(story=page),
    }


@page_view(SectionPage, "context")
def section_context(request: HttpRequest, page: SectionPage) -> dict:
    return {"child_pages": selectors.section_child_pages(section=page)}


@page_view(VideoIndexPage, "context")
def video_index_context(request: HttpRequest, page: VideoIndexPage) -> dict:
    return {"videos": selectors.video_list_published(section=page)}


@page_view(NewsletterPage, "context")
def newsletter_context(request: HttpRequest, page: NewsletterPage) -> dict:
    return {"issues": selectors.newsletter_issue_list(page=page)}
