"""Template tags for the site chrome: the main menu and the footer's years."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from wagtail.models import Page, Site

register = template.Library()


@register.inclusion_tag("site/includes/main_menu.html", takes_context=True)
def main_menu(context) -> dict:
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    items = []
    if site is not None:
        items = list(site.root_page.get_children().live().public().in_menu().specific())
    current = context.get("page")
    return {"items": items, "current": current, "request": request}


def _darker(hex_colour: str, factor: float = 0.7) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(c * factor) for c in (red, green, blue)))


@register.simple_tag
def brand_colours(site_settings) -> str:
    """CSS custom properties for the organisation's colours, with darker shades derived."""
    brand, accent = site_settings.brand_colour, site_settings.accent_colour
    return format_html(
        ":root{{--brand:{};--brand-dark:{};--accent:{};--accent-dark:{};}}",
        brand,
        _darker(brand),
        accent,
        _darker(accent),
    )


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
