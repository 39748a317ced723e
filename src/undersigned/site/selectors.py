"""Reads for the site as a whole: searching published pages."""

from __future__ import annotations

from wagtail.models import Page
from wagtail.search.query import PlainText


def page_search(*, query: str):
    """Published, public pages matching ``query``, best first (Wagtail's search backend)."""
    # SQLite's full-text search takes a double quote in the words as the start of a phrase
    # and fails on one left open; words are matched without their punctuation anyway.
    query = query.replace('"', " ")
    if not query.strip():
        return Page.objects.none()
    return Page.objects.live().public().specific().search(PlainText(query), operator="and")
