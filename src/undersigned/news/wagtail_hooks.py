"""Wagtail hooks of the news app: its stories are the pages that promote a petition."""

from __future__ import annotations

from wagtail import hooks

from undersigned.news.models import NewsStoryPage
from undersigned.news.selectors import story_list_published
from undersigned.petitions.selectors import STORY_PAGE_TYPES_HOOK
from undersigned.site.models import HOME_PAGE_CONTEXT_HOOK


@hooks.register(HOME_PAGE_CONTEXT_HOOK)
def home_page_stories(request) -> dict:
    """The home page shows the five latest stories."""
    return {"stories": story_list_published()[:5]}


@hooks.register(STORY_PAGE_TYPES_HOOK)
def petition_story_page_types() -> list[type]:
    """A petition's page lists the news stories that link to it or name it as theirs."""
    return [NewsStoryPage]
