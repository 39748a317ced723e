"""The consent ledger's lower half: the wording a signer agrees to, and recording it.

The wording is recorded with each consent, so changing it means bumping the version:
what a person agreed to must stay provable after the text on the site has moved on.

Recording a consent also puts the signer on the supporter list and, once the signature is
committed, queues the email that asks them to confirm their address
(``supporters.confirmation``). Neither may hold up or fail signing: the email is queued
after commit, and a queue that refuses it is logged, not raised.

This module sits below ``petitions`` (whose sign flow shows the wording and records the
consent), so it never imports petitions: a signature is only read through its fields.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from undersigned.site.errors import ApplicationError
from undersigned.supporters import confirmation, confirmation_tasks
from undersigned.supporters.models import ConsentEvent, ConsentKind, ConsentScope, ConsentSource

if TYPE_CHECKING:
    from undersigned.petitions.models import Signature

logger = logging.getLogger(__name__)

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


class ConsentMessages:
    """What a caller is told when a consent cannot be recorded."""

    NO_CONSENT = gettext_lazy("This signature did not ask for updates.")
    SOURCE_UNKNOWN = gettext_lazy("Unknown source of a consent change.")


def email_normalise(email: str) -> str:
    """An address as the ledger keys it: trimmed and lower-cased."""
    return email.strip().lower()


@transaction.atomic
def consent_record_given(
    *, signature: Signature, source: str = ConsentSource.SIGN_FORM
) -> ConsentEvent:
    """Record that ``signature``'s signer agreed to updates, with the wording they were shown.

    The signer joins the supporter list (or their row is refreshed) and, if a confirmation
    email is due, one is queued for after the commit.
    """
    if not (signature.wants_updates and signature.email and signature.consent_text):
        raise ApplicationError(str(ConsentMessages.NO_CONSENT))
    if source not in ConsentSource.values:
        raise ApplicationError(str(ConsentMessages.SOURCE_UNKNOWN), extra={"source": source})
    now = timezone.now()
    event = ConsentEvent.objects.create(
        email=email_normalise(signature.email),
        petition_id=signature.petition_id,
        scope=ConsentScope.PETITION_UPDATES,
        wording=signature.consent_text,
        wording_version=signature.consent_version,
        kind=ConsentKind.GIVEN,
        source=source,
        occurred_at=signature.consented_at or now,
        signature=signature,
    )
    signup = confirmation.supporter_signup_record(signature=signature, now=now)
    if signup.confirmation_due:
        transaction.on_commit(
            partial(_confirmation_enqueue, supporter_id=signup.supporter.pk, consent_id=event.pk),
            robust=True,
        )
    return event


def _confirmation_enqueue(*, supporter_id: int, consent_id: int) -> None:
    """Queue the confirmation email; the signature is committed, so a failure is only logged."""
    try:
        confirmation_tasks.supporter_email_confirmation.enqueue(
            supporter_id=supporter_id, consent_id=consent_id
        )
    except Exception:
        logger.exception("Could not queue the confirmation email for supporter %s", supporter_id)
