"""Template tags for the site chrome (main menu, brand colours, footer years) and rich text."""

from __future__ import annotations

import math
import re

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from wagtail.models import Page, Site
from wagtail.templatetags.wagtailcore_tags import richtext

from undersigned.site.sanitise import rich_text_html_clean
from undersigned.site.selectors import page_description

register = template.Library()

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@register.inclusion_tag("site/includes/main_menu.html", takes_context=True)
def main_menu(context) -> dict:
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    items = []
    if site is not None:
        items = list(site.root_page.get_children().live().public().in_menu().specific())
    current = context.get("page")
    return {"items": items, "current": current, "request": request}


@register.simple_tag(takes_context=True)
def meta_description(context) -> str:
    """The description of the page being shown, from ``site.selectors.page_description``."""
    page = context.get("page")
    return page_description(
        page=page.specific if isinstance(page, Page) else None,
        site_settings=context["settings"]["site"]["SiteSettings"],
    )


@register.simple_tag
def brand_stylesheet_url(site_settings) -> str:
    """The stylesheet with the organisation's colours: a static-like file, so no inline style.

    The colours are in the address itself, so the file never changes and is cached for good;
    new colours make a new address.
    """
    colours = {}
    for name in ("brand", "accent"):
        colour = getattr(site_settings, f"{name}_colour")
        if not HEX_COLOUR.fullmatch(colour):  # only ever saved unvalidated, from code
            colour = site_settings._meta.get_field(f"{name}_colour").default
        colours[name] = colour.lstrip("#").lower()
    return reverse("site:brand_css", kwargs=colours)


@register.simple_tag
def copyright_years(start_year: int) -> str:
    year = timezone.localdate().year
    return str(year) if not start_year or start_year >= year else f"{start_year}\u2013{year}"


@register.filter
def is_in_section(page: Page | None, section: Page) -> bool:
    """True when ``page`` is ``section`` or below it (to mark the current menu item)."""
    if page is None:
        return False
    return page.pk == section.pk or page.path.startswith(section.path)


@register.filter
def percent_step(value) -> int:
    """A percentage rounded to the nearest 5 within 0..100, for the ``pct-N`` width classes."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    if not math.isfinite(number):
        return 0
    return min(100, max(0, 5 * round(number / 5)))


@register.filter
def richtext_clean(value) -> str:
    """Wagtail's ``richtext`` filter, then ``rich_text_html_clean``: use it for all rich text."""
    return mark_safe(rich_text_html_clean(str(richtext(value))))  # noqa: S308 - just cleaned
