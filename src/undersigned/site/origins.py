"""Web origins an organiser lists (the sites allowed to frame a petition's sign form).

An origin is a scheme, a host and perhaps a port (``https://partner.example.org``), nothing
more: it ends up in a ``Content-Security-Policy`` header, so only what a CSP source may hold
is kept. HTTPS only, except plain HTTP on this machine (``localhost``, ``127.0.0.1``) so that
the demo and the tests can frame the form from a second local port. Lists are stored one
origin a line, normalised (lower case, no default port, no trailing slash, no duplicates).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from wagtail.admin.panels import FieldPanel

LOCAL_HOSTS = {"localhost", "127.0.0.1"}
DEFAULT_PORTS = {"https": 443, "http": 80}
# A DNS name once any non-ASCII labels are in their xn-- form (what a CSP source may hold).
HOST_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


def _not_an_address(example: dict[str, str]) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not a web address. Write it like %(example)s.") % example,
        code="invalid",
    )


def origin_normalise(value: str) -> str:
    """``value`` as a normalised origin; ``ValidationError`` saying what is wrong if it is not
    one this site accepts."""
    text = value.strip()
    example = {"value": text, "example": "https://partner.example.org"}
    try:
        parts = urlsplit(text)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise _not_an_address(example) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not host or "[" in parts.netloc:
        raise _not_an_address(example)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValidationError(
            _(
                "“%(value)s” has more than the site's address: give only the start, like "
                "%(example)s (no page or path after it)."
            )
            % example,
            code="path",
        )
    if parts.username is not None or parts.password is not None or not HOST_NAME.match(host):
        raise _not_an_address(example)
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise ValidationError(
            _("“%(value)s” must start with https:// (a site that frames the form must be secure).")
            % example,
            code="insecure",
        )
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{netloc}"


def _origin_lines(text: str) -> tuple[list[str], list[ValidationError]]:
    """The origins written one a line in ``text``, normalised and without duplicates, and
    what is wrong with each line that is not one (blank lines are neither)."""
    origins: list[str] = []
    problems: list[ValidationError] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        try:
            origin = origin_normalise(line)
        except ValidationError as problem:
            problems.append(problem)
            continue
        if origin not in origins:
            origins.append(origin)
    return origins, problems


def origin_list_parse(text: str) -> list[str]:
    """The origins written one a line in ``text``, normalised and without duplicates;
    ``ValidationError`` naming every line that is not one."""
    origins, problems = _origin_lines(text)
    if problems:
        raise ValidationError(problems)
    return origins


def origin_list_read(text: str) -> list[str]:
    """The valid origins of a stored list, skipping any line that is not one (a list saved
    without the form's checks must not put anything else into a header)."""
    origins, _problems = _origin_lines(text)
    return origins


class OriginListField(models.TextField):
    """Origins one a line: checked, and stored normalised, whichever form edits it."""

    def clean(self, value, model_instance) -> str:
        text = super().clean(value, model_instance)
        return "\n".join(origin_list_parse(text))


def origin_list_panel(field_name: str) -> FieldPanel:
    """The editor's box for a list of origins: a few lines tall, as such lists are."""
    return FieldPanel(field_name, widget=forms.Textarea(attrs={"rows": 3}))
