"""Unsubscribe links: a signed token naming a supporter by their opaque reference.

The link carries the supporter's ``reference`` (and the petition the email was about, for
the page's wording), never the address, so nothing personal is read from it in server
logs, forwarded emails or referrers. It does not expire: an unsubscribe link must keep
working for as long as the email that carries it can be read. Django's signing accepts
``SECRET_KEY_FALLBACKS``, so rotating the key keeps old links working while the old key
stays listed there.

Links sent before references existed held the address itself (``{"e": ..., "p": ...}``
under :data:`LEGACY_SALT`); they are still read, so the ones in people's inboxes work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "undersigned.supporters.unsubscribe.reference"
LEGACY_SALT = "undersigned.supporters.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeRequest:
    """Whom a link unsubscribes: by ``reference``, or by ``email`` for a link made before
    references. An empty ``reference`` and ``email`` is the sample link of a test copy."""

    reference: str
    email: str
    petition_id: int | None

    @property
    def is_sample(self) -> bool:
        return not (self.reference or self.email)


def unsubscribe_token_make(*, reference: str, petition_id: int | None) -> str:
    return signing.dumps({"r": reference, "p": petition_id}, salt=SALT)


def _petition_id(value: object) -> int | None:
    return value if type(value) is int else None


def unsubscribe_token_read(token: str) -> UnsubscribeRequest | None:
    """What ``token`` asks for, or ``None`` if it was not made by us (tampered, cut short)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return _legacy_token_read(token)
    if not isinstance(data, dict) or not isinstance(data.get("r"), str):
        return None
    return UnsubscribeRequest(
        reference=data["r"], email="", petition_id=_petition_id(data.get("p"))
    )


def _legacy_token_read(token: str) -> UnsubscribeRequest | None:
    try:
        data = signing.loads(token, salt=LEGACY_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    email, petition_id = data.get("e"), data.get("p")
    if not isinstance(email, str) or not email or type(petition_id) is not int:
        return None
    return UnsubscribeRequest(reference="", email=email, petition_id=petition_id)


def unsubscribe_url(*, reference: str, petition_id: int | None) -> str:
    """The absolute link put into emails (from ``BASE_URL``, as the admin's links are).

    An empty ``reference`` makes the sample link of an organiser's test copy.
    """
    token = unsubscribe_token_make(reference=reference, petition_id=petition_id)
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("supporters:unsubscribe", args=[token])


def email_mask(email: str) -> str:
    """``ada@example.org`` as ``a…@example.org``: enough for its owner to recognise."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"
