"""The sign form's common case, taken in front of Django's request handling.

At a spike nearly every request is someone new sending a correct form. Through Django that
request goes past fourteen middlewares, the URL resolver and a form class built for it, and
all of that costs more CPU than checking and storing the signature. :class:`SignFastPath`
wraps the WSGI application and takes only a sign-form POST that the full path would accept
without a word:

- sent to ``/petitions/<slug>/sign/`` as a small urlencoded body, over HTTPS when the site
  insists on it, for an allowed host;
- passing Django's own CSRF check (:class:`~django.middleware.csrf.CsrfViewMiddleware`, asked
  directly, so the Origin, Referer, cookie and token rules are Django's);
- for a live petition that takes signatures and does not ask for proof of work;
- valid by the sign form's rules (:func:`~undersigned.petitions.forms.signature_data_read`).

It stores the signature with the same service (:func:`~undersigned.petitions.services.sign`,
which decides every rule of signing), in the language ``LocaleMiddleware`` would have picked
(so the consent wording is recorded as the person read it), and answers the same redirect,
passed through the same response middlewares (security headers, CSP, framing).
Anything else, including every mistake to point out and every refusal, goes on to Django
with the body put back, and is answered exactly as before: this path only ever accepts.

It stands aside altogether if ``MIDDLEWARE`` holds a middleware it does not know (one that
might do something to a sign POST), and when ``UNDERSIGNED_SIGN_FAST_PATH`` is off.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.module_loading import import_string

from undersigned.petitions import selectors, services, views
from undersigned.petitions.forms import signature_data_read
from undersigned.petitions.urls import SIGN_PATTERN
from undersigned.site.errors import ApplicationError
from undersigned.site.outages import is_database_outage

logger = logging.getLogger(__name__)

# The URL conf's pattern, at the root of the site (a WSGI path starts with "/").
SIGN_PATH = re.compile("^/" + SIGN_PATTERN.removeprefix("^"))
# A sign form with every field at its longest is under 3 KB; anything bigger is no common case.
MAX_BODY_BYTES = 16 * 1024
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Middlewares whose work on the response the redirect needs (run around it, in the order
# MIDDLEWARE lists them)...
LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"
RESPONSE_MIDDLEWARES = {
    "django.middleware.security.SecurityMiddleware",
    "undersigned.site.security.ContentSecurityPolicyMiddleware",
    "django.middleware.common.CommonMiddleware",
    LOCALE_MIDDLEWARE,
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
}
# ...and those that do nothing to a sign POST that is accepted: static files, cached GETs,
# sessions and users read only on demand, messages never added, page routing and redirects
# (which answer other addresses), sign-in lockouts. The CSRF check is made here directly.
PASSIVE_MIDDLEWARES = {
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Refuses forms in another character set, which this path leaves to Django.
    "undersigned.site.form_encoding.FormEncodingMiddleware",
    "undersigned.speed.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "undersigned.speed.routing.PageRouteCacheMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
}

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class _QuietCsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, refusing without a word: the request then goes on to Django,
    whose own check renders the refusal page and logs it, once."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return HttpResponseForbidden()


def _fast_path_possible() -> bool:
    if not settings.UNDERSIGNED_SIGN_FAST_PATH:
        return False
    unknown = set(settings.MIDDLEWARE) - RESPONSE_MIDDLEWARES - PASSIVE_MIDDLEWARES
    if unknown:
        logger.info("Sign fast path off: it does not know %s", ", ".join(sorted(unknown)))
        return False
    return not (settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS)


class SignFastPath:
    """WSGI middleware: takes what it can of sign POSTs, hands everything else to ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.enabled = _fast_path_possible()
        self.csrf = _QuietCsrfCheck(lambda request: HttpResponse())

        def redirect(request: HttpRequest) -> HttpResponse:
            return HttpResponseRedirect(request.signed_redirect_to)

        respond = redirect
        for path in reversed(settings.MIDDLEWARE):
            if path in RESPONSE_MIDDLEWARES:
                respond = import_string(path)(respond)
        self.respond = respond
        self.chooses_language = LOCALE_MIDDLEWARE in settings.MIDDLEWARE
        self.language_in_path = is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        match = SIGN_PATH.match(environ.get("PATH_INFO", ""))
        if not (self.enabled and match and environ.get("REQUEST_METHOD") == "POST"):
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if not 0 < length <= MAX_BODY_BYTES or environ.get("SCRIPT_NAME"):
            return self.app(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = WSGIRequest(environ)
        response = self._take(request, slug=match["slug"])
        if response is None:
            if hasattr(request, "_body"):
                # Read already (by the CSRF check, for its token): Django reads this copy.
                environ["wsgi.input"] = io.BytesIO(request.body)
            return self.app(environ, start_response)
        cookies = [("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()]
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, [*response.items(), *cookies])
        # Django's response: closing it sends request_finished, as Django's own handler does.
        return response

    def _language(self, request: HttpRequest) -> str:
        if not self.chooses_language:
            return translation.get_language()
        return translation.get_language_from_request(request, check_path=self.language_in_path)

    def _take(self, request: HttpRequest, *, slug: str) -> HttpResponse | None:
        """The redirect after storing the signature; ``None`` to leave the request to Django."""
        try:
            if request.content_type != FORM_CONTENT_TYPE or request.encoding not in (None, "utf-8"):
                return None
            request.get_host()
            if settings.SECURE_SSL_REDIRECT and not request.is_secure():
                return None
            self.csrf.process_request(request)
            if self.csrf.process_view(request, views.petition_sign, (), {"slug": slug}):
                return None
            target = selectors.signing_target(slug=slug)
            if target is None or target.proof_of_work_required:
                return None
            read = signature_data_read(request.POST, honeypot=target.honeypot_enabled)
            if read is None:
                return None
            signer, honeypot = read
            # In the language LocaleMiddleware would have chosen (it runs only around the
            # answer here): the consent wording is recorded as the person read it.
            with translation.override(self._language(request)):
                services.sign(
                    petition=target,
                    signer=signer,
                    ip_hash=views.request_ip_hash(request),
                    honeypot=honeypot,
                )
        except (ApplicationError, DisallowedHost):
            # Closed or paused (or a host not served): Django's path says so.
            return None
        except Exception as error:
            if not is_database_outage(error):
                logger.exception("Sign fast path failed; the request goes on to Django.")
            return None
        request.signed_redirect_to = target.thank_you_url
        return self.respond(request)
