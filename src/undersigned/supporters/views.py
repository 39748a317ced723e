"""The public pages behind the links in supporters' emails: confirm, and unsubscribe.

Opening either link only shows a page with a button, so that mail scanners which follow
links confirm or unsubscribe nobody; a POST does it. The confirm page is an ordinary form
with a CSRF token. The unsubscribe POST may also be the ``List-Unsubscribe=One-Click``
POST a mail program sends (RFC 8058), which carries no cookies or CSRF token, so that one
view is exempt from the CSRF check: the signed token is what authorises it. Neither link
carries an address, and the pages show the address only masked.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from undersigned.petitions.models import PetitionPage
from undersigned.supporters import confirmation, ledger, selectors
from undersigned.supporters.models import ConsentSource, Supporter, SupporterStatus
from undersigned.supporters.unsubscribe import (
    UnsubscribeRequest,
    email_mask,
    unsubscribe_token_read,
)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = confirmation.confirmation_token_read(token)
    except confirmation.ConfirmationLinkExpired:
        return _render(request, "supporters/confirm.html", state="expired", status=410)
    supporter = (
        confirmation.supporter_get_by_reference(reference=found.reference) if found else None
    )
    if supporter is None:  # not our link, or the person was erased since
        return _render(request, "supporters/confirm.html", state="invalid", status=400)
    # The petition whose box they ticked this time, else the one they first signed up on.
    petition = (
        PetitionPage.objects.filter(pk=found.petition_id).first() if found.petition_id else None
    )
    context = {
        "petition": petition or supporter.source_petition,
        "email": email_mask(supporter.email),
    }
    if request.method == "POST":
        outcome = confirmation.supporter_confirm(supporter=supporter)
        state = {
            confirmation.ConfirmOutcome.CONFIRMED: "done",
            confirmation.ConfirmOutcome.ALREADY: "already",
        }.get(outcome, "too_late")
        return _render(request, "supporters/confirm.html", state=state, **context)
    state = {
        SupporterStatus.UNCONFIRMED: "confirm",
        SupporterStatus.CONFIRMED: "already",
    }.get(supporter.status, "too_late")
    return _render(request, "supporters/confirm.html", state=state, **context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_token_read(token)
    if found is None:
        return _render(request, "supporters/unsubscribe.html", state="invalid", status=400)
    petition = (
        PetitionPage.objects.filter(pk=found.petition_id).first() if found.petition_id else None
    )
    if found.is_sample:
        return _render(request, "supporters/unsubscribe.html", state="sample", petition=petition)
    supporter = _supporter_for(found)
    email = supporter.email if supporter else found.email
    context = {"email": email_mask(email), "petition": petition}
    if supporter is None and (not email or petition is None):
        # Erased, or the petition is gone and with it every address it held.
        return _render(request, "supporters/unsubscribe.html", state="already", **context)
    if request.method == "POST":
        if supporter is not None:
            left = ledger.supporter_list_leave(
                supporter=supporter, source=ConsentSource.UNSUBSCRIBE_LINK
            )
        else:
            left = ledger.supporter_unsubscribe(
                email=email, petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
            )
        return _render(
            request, "supporters/unsubscribe.html", state="done" if left else "already", **context
        )
    if supporter is not None:
        subscribed = supporter.status != SupporterStatus.UNSUBSCRIBED
    else:
        subscribed = selectors.supporter_wants_updates(email=email, petition=petition)
    state = "confirm" if subscribed else "already"
    return _render(request, "supporters/unsubscribe.html", state=state, **context)


def _supporter_for(found: UnsubscribeRequest) -> Supporter | None:
    if found.reference:
        return confirmation.supporter_get_by_reference(reference=found.reference)
    return Supporter.objects.filter(email=found.email.strip().lower()).first()


def _render(
    request: HttpRequest, template: str, *, state: str, status: int = 200, **context
) -> HttpResponse:
    response = TemplateResponse(request, template, {"state": state, **context}, status=status)
    response["X-Robots-Tag"] = "noindex"
    # The link is a key to the person's subscription: never pass it on to another site.
    # "same-origin", not "no-referrer": under "no-referrer" a browser sends "Origin: null"
    # with the confirm page's own form, which the CSRF check rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return response
