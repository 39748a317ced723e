"""RSS and Atom feeds of a news section's stories (Django's syndication framework)."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from undersigned.news.models import NewsIndexPage, NewsStoryPage
from undersigned.news.selectors import story_list_published, story_tag_list
from undersigned.site.models import SiteSettings

FEED_LENGTH = 20


def _organisation_name(request: HttpRequest) -> str:
    return SiteSettings.for_request(request).organisation_name


class StoryRssFeed(Feed):
    """The latest stories of one news section.

    A new instance serves each request (see ``NewsIndexPage``), so keeping the request on it is
    safe; links are relative and made absolute by the framework from the request's host.
    """

    feed_type = Rss201rev2Feed

    def get_object(self, request: HttpRequest, section: NewsIndexPage) -> NewsIndexPage:
        self.request = request
        return section

    def title(self, section: NewsIndexPage) -> str:
        return f"{section.title} | {_organisation_name(self.request)}"

    def link(self, section: NewsIndexPage) -> str:
        return section.get_url(self.request)

    def feed_url(self, section: NewsIndexPage) -> str:
        return self.request.path

    def description(self, section: NewsIndexPage) -> str:
        return section.intro or _("The latest stories from %(section)s.") % {
            "section": section.title
        }

    def items(self, section: NewsIndexPage):
        return story_list_published(section=section)[:FEED_LENGTH]

    def item_title(self, story: NewsStoryPage) -> str:
        return story.title

    def item_description(self, story: NewsStoryPage) -> str:
        # Feed readers take an item's description (Atom: summary type="html") as HTML, and
        # the standfirst is plain text: escaped, "<b>" in it reads as "<b>", not bold.
        return escape(story.standfirst or story.search_description)

    def item_link(self, story: NewsStoryPage) -> str:
        return story.get_url(self.request)

    def item_pubdate(self, story: NewsStoryPage) -> datetime.datetime:
        """The story's date, at the time it was first published when that was the same day."""
        published = story.first_published_at
        if published and timezone.localdate(published) == story.date:
            return published
        return timezone.make_aware(datetime.datetime.combine(story.date, datetime.time(9)))

    def item_updateddate(self, story: NewsStoryPage) -> datetime.datetime:
        return story.last_published_at or self.item_pubdate(story)

    def item_author_name(self, story: NewsStoryPage) -> str | None:
        return story.author or None

    def item_categories(self, story: NewsStoryPage) -> list[str]:
        return [tag.name for tag in story_tag_list(story=story)]


class StoryAtomFeed(StoryRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, section: NewsIndexPage) -> str:
        return self.description(section)
