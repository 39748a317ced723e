"""Reads for the site as a whole: searching published pages, what describes a page."""

from __future__ import annotations

import html

from django.core.exceptions import FieldDoesNotExist
from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search.query import PlainText

from undersigned.site.sanitise import rich_text_html_clean

# The fields, by name, in which page types of any app keep a short account of themselves
# (a petition's summary, a story's standfirst, a section's introduction), in order of preference.
PAGE_SUMMARY_FIELDS = ("summary", "standfirst", "intro", "description")
DESCRIPTION_MAX_CHARS = 300


def page_search(*, query: str):
    """Published, public pages matching ``query``, best first (Wagtail's search backend)."""
    # SQLite's full-text search takes a double quote in the words as the start of a phrase
    # and fails on one left open; words are matched without their punctuation anyway.
    query = query.replace('"', " ")
    if not query.strip():
        return Page.objects.none()
    return Page.objects.live().public().specific().search(PlainText(query), operator="and")


def page_description(*, page: Page | None, site_settings) -> str:
    """The text for a page's ``<meta name="description">``: never empty.

    The page's own search description first (the "Promote" tab), else its summary or
    introduction (rich text read as plain text), else the site's description, else its
    tagline, else its name.
    """
    candidates = []
    if page is not None:
        candidates.append(page.search_description)
        candidates.extend(_summary_text(page, field) for field in PAGE_SUMMARY_FIELDS)
    candidates.extend([site_settings.description, site_settings.tagline])
    for candidate in candidates:
        text = " ".join((candidate or "").split())
        if text:
            return Truncator(text).chars(DESCRIPTION_MAX_CHARS)
    return site_settings.organisation_name


def _summary_text(page: Page, field_name: str) -> str:
    try:
        field = page._meta.get_field(field_name)
    except FieldDoesNotExist:
        return ""
    value = str(getattr(page, field_name) or "")
    if not isinstance(field, RichTextField):
        return value
    # Cleaned first, as the page shows it: a script's or style's text is not description.
    return html.unescape(strip_tags(rich_text_html_clean(value)))
