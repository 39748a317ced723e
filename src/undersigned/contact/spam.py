"""Spam checks for the contact form without third parties: a honeypot and a time-to-submit check.

The form carries a signed timestamp of when it was shown. A submission sent sooner than a
person could type (``MIN_SECONDS``) or with a timestamp that is missing, forged or older
than ``MAX_AGE_SECONDS`` fails the time check. A filled-in honeypot means a bot.

The two failures are treated differently on purpose. A person never fills the honeypot
(it is hidden, out of the tab order, and says "Leave this empty"), so that submission is
dropped and answered with the ordinary thank-you page. A person *can* fail the time check
(a form left open overnight, a fast paste-and-send), so that submission is never dropped
silently: the form comes back filled in, asking them to send it again.
"""

from __future__ import annotations

import enum
import time

from django.core import signing

SALT = "undersigned.contact.form-shown"
# Faster than this, nobody has read the form, let alone written a message.
MIN_SECONDS = 3
# A form shown longer ago than this is stale: a person writing slowly still fits in a day.
MAX_AGE_SECONDS = 24 * 60 * 60


class Timing(enum.Enum):
    OK = "ok"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"
    FORGED = "forged"


def form_shown_token(*, now: float | None = None) -> str:
    """A signed record of when the form was shown, for its hidden field."""
    shown_at_ms = int((time.time() if now is None else now) * 1000)
    return signing.dumps(shown_at_ms, salt=SALT)


def form_timing(*, token: str, now: float | None = None) -> Timing:
    """Whether a form shown at ``token``'s time may be accepted now."""
    now = time.time() if now is None else now
    if not token:
        return Timing.FORGED
    try:
        shown_at_ms = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return Timing.EXPIRED
    except signing.BadSignature:
        return Timing.FORGED
    if type(shown_at_ms) is not int:
        return Timing.FORGED
    age = now - shown_at_ms / 1000
    if age < MIN_SECONDS:
        return Timing.TOO_FAST
    if age > MAX_AGE_SECONDS:
        return Timing.EXPIRED
    return Timing.OK


def honeypot_filled(value: str) -> bool:
    return bool(value.strip())
