"""Template tags for places: the "Meet your local team" box for the home page and stories."""

from __future__ import annotations

from django import template
from wagtail.models import Site

from undersigned.places import selectors

register = template.Library()


@register.inclusion_tag("places/includes/meet_your_team.html", takes_context=True)
def meet_your_team(context, team=None) -> dict:
    """Link to ``team`` when the page knows the visitor's team, else to the ward teams section.

    The box also holds a postcode search (a GET form to the section), so that a visitor can
    find their own team without JavaScript.
    """
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return {
        "team": team,
        "index": selectors.ward_team_index_get(site=site),
        "request": request,
    }
