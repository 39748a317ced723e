"""The exact wording a signer agrees to when they ask for updates, and its version.

The wording is recorded with each consent, so changing it means bumping the version:
what a person agreed to must stay provable after the text on the site has moved on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

UPDATES_CONSENT_VERSION = "updates-2026-11"


@dataclass(frozen=True)
class ConsentWording:
    version: str
    text: str


def updates_consent_wording(*, organiser_name: str) -> ConsentWording:
    """What the "keep me up to date" box says for a petition launched by ``organiser_name``."""
    text = gettext(
        "Keep me up to date by email about this petition and other local issues. "
        "My email will only be used by %(organiser)s, and I can unsubscribe at any time."
    ) % {"organiser": organiser_name}
    return ConsentWording(version=UPDATES_CONSENT_VERSION, text=text)
