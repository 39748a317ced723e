"""Template tags for petitions: the petition cards that the petitions section and the home
page list (a tag, so that the home page's app, below this one, need not import it)."""

from __future__ import annotations

from django import template

from undersigned.petitions import selectors

register = template.Library()


@register.inclusion_tag("petitions/includes/petition_cards.html", takes_context=True)
def petition_cards(context, petitions, heading_level: int = 3) -> dict:
    """Cards for ``petitions`` with their images, counts and progress, each titled by a
    heading of ``heading_level`` (one below the heading of the section they are in)."""
    return {
        "cards": selectors.petition_card_list(petitions=petitions),
        "heading_level": heading_level,
        "request": context.get("request"),
    }
