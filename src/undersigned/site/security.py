"""Security the settings cannot express: the Content-Security-Policy and the admin lockout page.

Public pages get a strict policy: scripts, styles, fonts and images only from this site (and
the video players a story may embed), no inline script or style, no plugins, and no framing.
Everything a public template needs is a static file, so public pages carry no nonce and a
cached copy of a page is as safe as a fresh one. A template that truly needs an inline block
writes ``nonce="{{ request.csp_nonce }}"``; the nonce is made, and added to the policy, only
when a template uses it.

The Wagtail admin gets a looser policy of its own (see ``admin_policy``): the people using it
are signed-in organisers, and its editor still relies on inline scripts and styles.

A petition's sign form may be shown in a frame on the partner sites an organiser lists
(``framing_allow``). Inside such a frame browsers withhold our cookies, so the form there is
checked by where it was sent from rather than by Django's CSRF cookie (``same_origin_only``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from functools import wraps
from urllib.parse import urlsplit

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, get_callable, reverse
from django.utils.http import is_same_domain
from django.views.decorators.csrf import csrf_exempt

Policy = dict[str, list[str]]
csrf_logger = logging.getLogger("django.security.csrf")

# Where our own video embeds (news/video.py) play, once a reader presses "Play".
VIDEO_PLAYERS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]


def _origin(url: str) -> str | None:
    """``https://cdn.example.org`` for an absolute ``STATIC_URL``/``MEDIA_URL``, else None."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def public_policy() -> Policy:
    static = [origin for origin in [_origin(settings.STATIC_URL)] if origin]
    media = [origin for origin in [_origin(settings.MEDIA_URL)] if origin]
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'", *static],
        "style-src": ["'self'", *static],
        "img-src": ["'self'", "data:", *static, *media],
        "font-src": ["'self'", *static],
        "frame-src": [*VIDEO_PLAYERS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def admin_policy() -> Policy:
    """What Wagtail 8's admin needs (checked in Chromium by tests/browser/test_csp.py)."""
    policy = public_policy()
    # Its scripts insert inline <script> and <style> elements and set style attributes (the
    # rich-text editor, modals), and its templates hold a few inline scripts.
    policy["script-src"] += ["'unsafe-inline'"]
    policy["style-src"] += ["'unsafe-inline'"]
    # Avatars from Gravatar (protocol-relative links), and the dashboard's new-version notice.
    policy["img-src"] += ["www.gravatar.com"]
    policy["connect-src"] = ["'self'", "https://releases.wagtail.org"]
    # The live preview frames our own pages beside the editor.
    policy["frame-src"] = ["'self'", *VIDEO_PLAYERS]
    policy["frame-ancestors"] = ["'self'"]
    return policy


def framed_policy(origins: Sequence[str]) -> Policy:
    """The public policy, but for the pages of ``origins`` allowed to frame (none if empty)."""
    policy = public_policy()
    policy["frame-ancestors"] = list(origins) or ["'none'"]
    return policy


def framing_allow(
    request: HttpRequest, response: HttpResponse, *, origins: Sequence[str]
) -> HttpResponse:
    """Let the pages of ``origins``, and only them, show ``response`` in a frame.

    The response gets a policy of its own (which the middleware leaves alone). With any
    origin to allow, it goes without ``X-Frame-Options``, which cannot name several sites
    and which browsers ignore beside ``frame-ancestors`` anyway; with none, the middleware's
    ``DENY`` stays for browsers that know no ``frame-ancestors``.
    """
    nonce = getattr(request, "csp_nonce", None)
    used = str(nonce) if nonce is not None and nonce.used else None
    response["Content-Security-Policy"] = policy_header(framed_policy(origins), used)
    response.xframe_options_exempt = bool(origins)
    return response


def site_origin(request: HttpRequest) -> str:
    """This site's origin as the browser sees it: the scheme as the proxy in front reports it
    (``SECURE_PROXY_SSL_HEADER``), the host as checked against ``ALLOWED_HOSTS``."""
    return f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"


def _origin_trusted(request: HttpRequest, origin: str) -> bool:
    """Whether ``origin`` is this site's own, or one the operator trusts as such (as Django's
    CSRF check does: ``CSRF_TRUSTED_ORIGINS``, whose entries may start ``https://*.``)."""
    if origin == site_origin(request) or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    return any(
        "*" in pattern.netloc
        and pattern.scheme == parts.scheme
        and is_same_domain(parts.netloc, pattern.netloc.lstrip("*"))
        for pattern in map(urlsplit, settings.CSRF_TRUSTED_ORIGINS)
    )


def same_origin_post(request: HttpRequest) -> bool:
    """Whether the browser says that this request was sent by a page of this site.

    What a browser says in ``Origin`` (or, from one that sends none, ``Sec-Fetch-Site``, and
    failing both the ``Referer``) no page of another site can change. The first header
    present decides: a foreign or opaque (``null``) origin is refused even with a referer.
    """
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin != "null" and _origin_trusted(request, origin)
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    referer = urlsplit(request.headers.get("Referer", ""))
    if not referer.scheme or not referer.netloc:
        return False
    return _origin_trusted(request, f"{referer.scheme}://{referer.netloc}")


SAME_ORIGIN_REFUSED = "the form was not sent from a page of this site"


def same_origin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view``'s forms are checked by :func:`same_origin_post` instead of Django's CSRF cookie
    and token, for a form that works inside another site's frame (where browsers keep our
    cookies from us). A refused POST gets the same page as a failed CSRF check."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and not same_origin_post(
            request
        ):
            csrf_logger.warning(
                "Forbidden (%s): %s",
                SAME_ORIGIN_REFUSED,
                request.path,
                extra={"status_code": 403, "request": request},
            )
            return get_callable(settings.CSRF_FAILURE_VIEW)(request, reason=SAME_ORIGIN_REFUSED)
        return view(request, *args, **kwargs)

    return csrf_exempt(checked)


def policy_header(policy: Policy, nonce: str | None = None) -> str:
    if nonce:
        # A nonce would switch off 'unsafe-inline' where the admin policy allows it.
        policy = {
            directive: [*sources, f"'nonce-{nonce}'"]
            if directive in ("script-src", "style-src") and "'unsafe-inline'" not in sources
            else sources
            for directive, sources in policy.items()
        }
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


class CSPNonce:
    """A nonce made the first time a template prints it, so that pages needing none send none."""

    def __init__(self) -> None:
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = secrets.token_urlsafe(18)
        return self._value

    @property
    def used(self) -> bool:
        return self._value is not None


def admin_path_prefixes() -> tuple[str, ...]:
    """Where the Wagtail admin (and Django's admin, if it is mounted) live."""
    prefixes = []
    for name in ("wagtailadmin_home", "admin:index"):
        try:
            prefixes.append(reverse(name))
        except NoReverseMatch:
            continue
    return tuple(prefixes)


class ContentSecurityPolicyMiddleware:
    """Adds ``Content-Security-Policy`` to every response that does not already set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public = public_policy()
        self.admin = admin_policy()
        # Most responses use no nonce: their header is the same every time.
        self.public_header = policy_header(self.public)
        self.admin_header = policy_header(self.admin)
        self.admin_prefixes: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = CSPNonce()
        response = self.get_response(request)
        # Wagtail's image and document views send a stricter policy of their own.
        if "Content-Security-Policy" in response:
            return response
        if self.admin_prefixes is None:
            self.admin_prefixes = admin_path_prefixes()
        in_admin = request.path.startswith(self.admin_prefixes)
        nonce = request.csp_nonce
        if nonce.used:
            header = policy_header(self.admin if in_admin else self.public, str(nonce))
        else:
            header = self.admin_header if in_admin else self.public_header
        response["Content-Security-Policy"] = header
        return response


def login_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """What django-axes shows after too many failed sign-ins (``AXES_LOCKOUT_CALLABLE``)."""
    seconds = int(get_cool_off(request).total_seconds())
    response = render(
        request,
        "site/login_locked_out.html",
        {"minutes": max(1, round(seconds / 60))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
