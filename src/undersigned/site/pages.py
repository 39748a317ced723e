"""Building the page tree in code (demo content, tests): find a page by slug or add it."""

from __future__ import annotations

from collections.abc import Iterable

from wagtail.models import Page


def child_page_ensure(
    parent: Page, model: type[Page], slug: str, *, tags: Iterable[str] = (), **fields
) -> Page:
    """The child of ``parent`` with ``slug``; created and published if it is not there yet.

    An existing page is returned as it is, so that running a loader again neither duplicates
    pages nor undoes an organiser's edits.
    """
    existing = parent.get_children().filter(slug=slug).specific().first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    if tags:
        page.tags.add(*tags)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page.specific_class.objects.get(pk=page.pk)
