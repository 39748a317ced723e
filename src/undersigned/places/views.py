"""The ward teams section: the list of teams and "find your team" by postcode (a plain GET form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.shortcuts import redirect
from django.utils.translation import gettext as _

from undersigned.places import selectors
from undersigned.places.models import WardTeamIndexPage, WardTeamPage
from undersigned.places.postcodes import normalise_postcode
from undersigned.site.page_views import page_view

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@page_view(WardTeamIndexPage, "context")
def ward_team_index_context(request: HttpRequest, page: WardTeamIndexPage) -> dict:
    return {"teams": selectors.ward_team_list(index=page)}


@page_view(WardTeamPage, "context")
def ward_team_context(request: HttpRequest, page: WardTeamPage) -> dict:
    return {"members": selectors.ward_team_member_list(team=page)}


@page_view(WardTeamIndexPage, "index")
def ward_team_index(request: HttpRequest, page: WardTeamIndexPage) -> HttpResponse:
    """List the teams; with ``?postcode=``, go to that postcode's team or say why not."""
    query = request.GET.get("postcode", "")[:32]
    error = ""
    if query.strip():
        postcode = normalise_postcode(query)
        team = selectors.ward_team_for_postcode(postcode=postcode) if postcode else None
        if team is not None:
            return redirect(team.get_url(request))
        if postcode is None:
            error = _("Enter a real UK postcode, like CR0 1NY")
        else:
            error = _(
                "We don't have a ward team for %(postcode)s. Choose your ward from the list "
                "below, or contact us and we'll pass your message on."
            ) % {"postcode": postcode}
    return page.render(
        request, context_overrides={"postcode_query": query, "postcode_error": error}
    )
