"""The public unsubscribe page: a signed link from an update email, no login needed.

Opening the link only asks for confirmation, so that mail scanners which follow links do
not unsubscribe anyone. A POST unsubscribes at once: from the button on that page, or the
``List-Unsubscribe=One-Click`` POST a mail program sends (RFC 8058), which carries no
cookies or CSRF token, so this one view is exempt from the CSRF check. The signed token is
what authorises it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from undersigned.petitions.models import PetitionPage
from undersigned.supporters import ledger, selectors
from undersigned.supporters.models import ConsentSource
from undersigned.supporters.unsubscribe import unsubscribe_token_read


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_token_read(token)
    if found is None:
        return _render(request, state="invalid", status=400)
    petition = PetitionPage.objects.filter(pk=found.petition_id).first()
    context = {"email": found.email, "petition": petition}
    if petition is None:  # the petition is gone, and with it every address it held
        return _render(request, state="already", **context)
    if request.method == "POST":
        event = ledger.supporter_unsubscribe(
            email=found.email, petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
        )
        return _render(request, state="done" if event else "already", **context)
    subscribed = selectors.supporter_wants_updates(email=found.email, petition=petition)
    return _render(request, state="confirm" if subscribed else "already", **context)


def _render(request: HttpRequest, *, state: str, status: int = 200, **context) -> HttpResponse:
    response = TemplateResponse(
        request, "supporters/unsubscribe.html", {"state": state, **context}, status=status
    )
    response["X-Robots-Tag"] = "noindex"
    # The link names the address it was sent to: never pass it on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response
