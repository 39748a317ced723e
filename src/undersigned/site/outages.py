"""A database outage answered with "busy, try again in a minute" (503), not a server error.

When PostgreSQL restarts or SQLite stays locked past its busy timeout, the request fails
with Django's ``OperationalError`` or ``InterfaceError``. This module's ``server_error`` is
the project's ``handler500``: Django calls it while the exception is still being handled,
whether it was raised in a view or in any middleware (each middleware layer turns its own
exceptions into a response, so a ``try``/``except`` in an outer middleware never sees them,
and ``process_exception`` only sees the view's). It answers an outage with a 503 and a
``Retry-After`` header, as JSON for the ``.json`` endpoints, and anything else with the usual
500 page. It touches neither the database nor the cache, which may be what is down.

Nothing needs restarting afterwards: connections are health-checked before reuse
(``CONN_HEALTH_CHECKS``), so each worker reconnects on its next request.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults

# What a load balancer, a crawler or a script is told to wait before trying again.
RETRY_AFTER_SECONDS = 30
BUSY_TITLE = _("The site is busy")
BUSY_MESSAGE = _("The site is busy, please try again in a minute — nothing you typed was saved.")
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised from or while handling, is the database
    being unreachable, restarting, or too busy (SQLite's "database is locked")."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _wants_json(request: HttpRequest) -> bool:
    return request.path.endswith(".json")


def outage_response(request: HttpRequest) -> HttpResponse:
    """The 503 for a request the database could not serve."""
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {
                "error": "unavailable",
                "message": gettext(BUSY_MESSAGE),
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
        # The JSON endpoints are readable from any site; so is their error.
        response["Access-Control-Allow-Origin"] = "*"
    else:
        # Rendered without the request, whose context processors could reach for the database.
        html = render_to_string("503.html", {"title": BUSY_TITLE, "message": BUSY_MESSAGE})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    """``handler500``: a 503 when the database is out, otherwise the plain 500 page.

    Rendered as Django's own ``server_error`` does, but without its CSRF decorator, whose
    check reads the body of a POST again: when reading it was what failed, the error page
    failed too, and gunicorn answered with a bare 500.
    """
    if is_database_outage(sys.exc_info()[1]):
        return outage_response(request)
    return HttpResponseServerError(render_to_string(template_name))
