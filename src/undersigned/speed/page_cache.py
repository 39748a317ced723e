"""A whole-page cache, a couple of seconds long, for visitors who are not signed in.

When a petition is shared, most requests are first-time visitors reading the same page. For
``UNDERSIGNED_PAGE_CACHE_SECONDS`` (default 2; 0 turns it off) the HTML of each public page is
kept in the shared cache and served to every anonymous visitor without running the rest of
the middleware, the routing or the template. Shown counts may then lag by this much on top of
``UNDERSIGNED_COUNT_CACHE_SECONDS``.

Kept: ``GET`` answers 200 of Wagtail pages (``text/html``), and of views that declare
themselves shareable (``Cache-Control: public``, such as the petition JSON), to visitors with
no session or messages cookie, that set no cookie other than the CSRF cookie and use no CSP
nonce. Everyone with a session (editors, people past a page password) gets a fresh page.

The sign form's CSRF token is per visitor: on a hit, the hidden ``csrfmiddlewaretoken`` input
gets a token for this visitor, and Django's ``CsrfViewMiddleware`` itself sets or renews the
CSRF cookie, just as it does on a freshly rendered page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import get_conditional_response, get_max_age
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language_from_request

# The value of each CSRF token input ({% csrf_token %}): a kept page is cut around them.
CSRF_TOKEN_VALUE = re.compile(rb'(?<=<input type="hidden" name="csrfmiddlewaretoken" value=")[^"]*')
NOT_SHARED = ("private", "no-cache", "no-store")
# What a kept page may vary on: the cookie (only visitors without a session get copies, and
# the CSRF token is put in afresh) and the language (part of the key).
VARY_HANDLED = {"cookie", "accept-language"}
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers")


def _anonymous_read(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not settings.CSRF_USE_SESSIONS
    )


def _key(request: HttpRequest) -> str:
    language = get_language_from_request(request) if len(settings.LANGUAGES) > 1 else ""
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{language}"
    return "site:page:" + hashlib.sha256(where.encode()).hexdigest()


def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    match = getattr(request, "resolver_match", None)
    page = (
        match is not None
        and match.url_name == "wagtail_serve"
        and response.get("Content-Type", "").startswith("text/html")
    )
    nonce = getattr(request, "csp_nonce", None)
    vary = {header.strip().lower() for header in response.get("Vary", "").split(",")}
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and (page or "public" in cache_control)
        and not any(word in cache_control for word in NOT_SHARED)
        and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
        and vary - {""} <= VARY_HANDLED
        and not getattr(request, "is_preview", False)
        and not (nonce is not None and nonce.used)
    )


class PageCacheMiddleware:
    """Serve anonymous visitors a copy of a public page made in the last few seconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Wrapped around a cache hit, it reads the visitor's CSRF cookie before the token is
        # made and sets the cookie after, exactly as around a view.
        self.serve_copy = CsrfViewMiddleware(self._copy)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.UNDERSIGNED_PAGE_CACHE_SECONDS
        if not seconds or not _anonymous_read(request):
            return self.get_response(request)
        key = _key(request)
        request._page_cache_entry = cache.get(key)
        if request._page_cache_entry is not None:
            return self.serve_copy(request)
        response = self.get_response(request)
        if _shareable(request, response):
            max_age = get_max_age(response)
            seconds = min(seconds, max_age) if max_age is not None else seconds
            if seconds > 0:
                headers = {k: v for k, v in response.items() if k.lower() != "content-length"}
                pieces = CSRF_TOKEN_VALUE.split(response.content)
                cache.set(key, (pieces, headers), seconds)
        return response

    def _copy(self, request: HttpRequest) -> HttpResponse:
        pieces, headers = request._page_cache_entry
        # A page with a form gets this visitor's token; one without sets no CSRF cookie.
        content = get_token(request).encode().join(pieces) if len(pieces) > 1 else pieces[0]
        response = HttpResponse(content, headers=headers)
        response["Content-Length"] = str(len(content))
        # A browser or previewer that holds this version (the share card's ETag) is told so,
        # as the view itself would tell it.
        answer = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )
        # Django's 304 keeps the caching headers only; a script on another origin that asked
        # (the open data) may read it only with the CORS headers the view gave.
        for header in CORS_HEADERS:
            if header in response and header not in answer:
                answer[header] = response[header]
        return answer
