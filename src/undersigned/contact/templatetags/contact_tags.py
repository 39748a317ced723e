"""Template tags for linking to the contact page, with a ward preselected."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from wagtail.models import Site

from undersigned.contact import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def contact_page_url(context, ward=None) -> str:
    """The contact page's URL (``?ward=`` when given), or an empty string if there is none."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    page = selectors.contact_page_get(site=site)
    if page is None:
        return ""
    url = page.get_url(request)
    return f"{url}?{urlencode({'ward': ward.pk})}" if ward is not None else url
