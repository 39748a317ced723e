"""Unsubscribe links: a signed token naming an email and a petition, so no login is needed.

The token is signed, not encrypted: it holds the address it was sent to, which its reader
already knows. It does not expire, because an unsubscribe link must keep working for as
long as the email that carries it can be read. Rotating ``SECRET_KEY`` invalidates old
links unless the old key stays in ``SECRET_KEY_FALLBACKS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "undersigned.supporters.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeRequest:
    email: str
    petition_id: int


def unsubscribe_token_make(*, email: str, petition_id: int) -> str:
    return signing.dumps({"e": email, "p": petition_id}, salt=SALT, compress=True)


def unsubscribe_token_read(token: str) -> UnsubscribeRequest | None:
    """What ``token`` asks for, or ``None`` if it was not made by us (tampered, cut short)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    email, petition_id = data.get("e"), data.get("p")
    if not isinstance(email, str) or not email or type(petition_id) is not int:
        return None
    return UnsubscribeRequest(email=email, petition_id=petition_id)


def unsubscribe_url(*, email: str, petition_id: int) -> str:
    """The absolute link put into emails (from ``BASE_URL``, as the admin's links are)."""
    token = unsubscribe_token_make(email=email, petition_id=petition_id)
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("supporters:unsubscribe", args=[token])
