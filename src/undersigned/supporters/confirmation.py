"""Confirmed opt-in: joining the supporter list, the confirmation email and link, lapsing.

Ticking "keep me up to date" while signing puts the address on the supporter list as
*unconfirmed* and queues one email asking the person to confirm that the address is theirs.
Only a POST from the page that email links to confirms it (a mail scanner that fetches
links confirms nothing). A confirmation not given within :data:`CONFIRMATION_WINDOW`
lapses, and the ledger records that it did.

Links in emails carry the supporter's opaque ``reference``, signed, never the address.
Django's signing is keyed by ``SECRET_KEY`` and also accepts ``SECRET_KEY_FALLBACKS``, so
links already sent keep working while a key is being rotated.

This module sits with the ledger, below ``petitions``: it reads a signature and a petition
only through their fields and never imports them.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from undersigned.site.models import SiteSettings
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentKind,
    ConsentSource,
    Supporter,
    SupporterStatus,
)

if TYPE_CHECKING:
    from undersigned.petitions.models import PetitionPage, Signature

# How long a confirmation link works; an address not confirmed by then lapses.
CONFIRMATION_WINDOW = datetime.timedelta(days=7)
# Signing again within this time of a confirmation email does not send another.
CONFIRMATION_RESEND_AFTER = datetime.timedelta(hours=24)

CONFIRM_SALT = "undersigned.supporters.confirm"


# The supporter list, as people sign


@dataclass(frozen=True)
class SignupRecorded:
    supporter: Supporter
    confirmation_due: bool


def supporter_signup_record(*, signature: Signature, now: datetime.datetime) -> SignupRecorded:
    """Put ``signature``'s signer on the supporter list (or refresh their row), by email.

    The first petition and time they signed up stay; name, postcode and areas follow the
    latest signature. Someone who had lapsed or unsubscribed and ticks the box again is
    unconfirmed once more. A confirmation email is due unless they are confirmed already or
    one was sent within :data:`CONFIRMATION_RESEND_AFTER`; the time it is due is recorded
    here, under the row's lock, so two signatures at once queue one email between them.
    Call inside the transaction that stores the consent.
    """
    email = signature.email.strip().lower()
    details = {
        "name": signature.name,
        "postcode": signature.postcode,
        "ward_code": signature.ward_code,
        "constituency_code": signature.constituency_code,
        "local_authority_code": signature.local_authority_code,
    }
    # Inserted unless the address is on the list already (one statement, and no savepoint:
    # a conflict is skipped, not raised, so the signature's transaction is never at risk),
    # then read back under lock. The row holds this call's fresh reference only if this call
    # made it.
    candidate = Supporter(
        email=email,
        source_petition_id=signature.petition_id,
        signed_up_at=now,
        status=SupporterStatus.UNCONFIRMED,
        status_changed_at=now,
        confirmation_sent_at=now,
        **details,
    )
    Supporter.objects.bulk_create([candidate], ignore_conflicts=True)
    supporter = Supporter.objects.select_for_update().get(email=email)
    if supporter.reference == candidate.reference:
        return SignupRecorded(supporter=supporter, confirmation_due=True)
    changed = ["name", "postcode", "ward_code", "constituency_code", "local_authority_code"]
    for field, value in details.items():
        setattr(supporter, field, value)
    if supporter.status in (SupporterStatus.LAPSED, SupporterStatus.UNSUBSCRIBED):
        supporter.status = SupporterStatus.UNCONFIRMED
        supporter.status_changed_at = now
        supporter.confirmed_at = None
        changed += ["status", "status_changed_at", "confirmed_at"]
    recently_sent = supporter.confirmation_sent_at is not None and (
        supporter.confirmation_sent_at > now - CONFIRMATION_RESEND_AFTER
    )
    due = supporter.status == SupporterStatus.UNCONFIRMED and not recently_sent
    if due:
        supporter.confirmation_sent_at = now
        changed.append("confirmation_sent_at")
    supporter.save(update_fields=changed)
    return SignupRecorded(supporter=supporter, confirmation_due=due)


# Links


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@dataclass(frozen=True)
class ConfirmationRequest:
    """What a confirmation link carries: whose (by reference) and, for the page's wording,
    the petition whose box they ticked."""

    reference: str
    petition_id: int | None


def confirmation_token_make(*, reference: str, petition_id: int | None = None) -> str:
    value = reference if petition_id is None else f"{reference}.{petition_id}"
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(value)


class ConfirmationLinkExpired(Exception):
    """The link was ours but is older than :data:`CONFIRMATION_WINDOW`."""


def confirmation_token_read(token: str) -> ConfirmationRequest | None:
    """What ``token`` carries; ``None`` if we did not make it (tampered, cut short).

    Raises :class:`ConfirmationLinkExpired` for a link of ours that is too old.
    """
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token, max_age=CONFIRMATION_WINDOW
        )
    except signing.SignatureExpired:
        raise ConfirmationLinkExpired from None
    except signing.BadSignature:
        return None
    reference, _dot, petition = value.partition(".")
    return ConfirmationRequest(
        reference=reference, petition_id=int(petition) if petition.isdigit() else None
    )


def confirmation_url(*, reference: str, petition_id: int | None = None) -> str:
    """The absolute link put into the confirmation email."""
    token = confirmation_token_make(reference=reference, petition_id=petition_id)
    return _absolute(reverse("supporters:confirm", args=[token]))


def supporter_get_by_reference(*, reference: str) -> Supporter | None:
    return Supporter.objects.select_related("source_petition").filter(reference=reference).first()


# The ledger entries that follow a consent: confirmed, lapsed


def _open_consents(*, email: str) -> list[ConsentEvent]:
    """Each petition's consent by ``email`` that is still as given (no later entry on it)."""
    latest: dict[int, ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(email=email).order_by("occurred_at", "pk"):
        latest[event.petition_id] = event
    return [event for event in latest.values() if event.kind == ConsentKind.GIVEN]


def _ledger_follow_up(
    *, supporter: Supporter, kind: str, source: str, now: datetime.datetime
) -> list[ConsentEvent]:
    return ConsentEvent.objects.bulk_create(
        ConsentEvent(
            email=supporter.email,
            petition_id=given.petition_id,
            scope=given.scope,
            wording=given.wording,
            wording_version=given.wording_version,
            kind=kind,
            source=source,
            occurred_at=now,
            signature_id=given.signature_id,
        )
        for given in _open_consents(email=supporter.email)
    )


class ConfirmOutcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"
    TOO_LATE = "too_late"  # lapsed or unsubscribed since the link was sent


@transaction.atomic
def supporter_confirm(
    *, supporter: Supporter, now: datetime.datetime | None = None
) -> ConfirmOutcome:
    """Confirm that ``supporter``'s address is theirs: from now on they can be sent updates.

    Records a ``confirmed`` entry in the ledger against each consent they gave. Only an
    unconfirmed supporter can be confirmed: the outcome says what happened.
    """
    now = now or timezone.now()
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    if supporter.status == SupporterStatus.CONFIRMED:
        return ConfirmOutcome.ALREADY
    if supporter.status != SupporterStatus.UNCONFIRMED:
        return ConfirmOutcome.TOO_LATE
    supporter.status = SupporterStatus.CONFIRMED
    supporter.confirmed_at = now
    supporter.status_changed_at = now
    supporter.save(update_fields=["status", "confirmed_at", "status_changed_at"])
    _ledger_follow_up(
        supporter=supporter,
        kind=ConsentKind.CONFIRMED,
        source=ConsentSource.CONFIRMATION_PAGE,
        now=now,
    )
    return ConfirmOutcome.CONFIRMED


def supporters_lapse_unconfirmed(*, now: datetime.datetime | None = None) -> int:
    """Lapse every supporter whose confirmation email went out over the window ago.

    Each is recorded in the ledger as ``lapsed`` (not confirmed in time) against the
    consents they gave, one supporter per transaction. Returns how many lapsed.
    """
    now = now or timezone.now()
    cutoff = now - CONFIRMATION_WINDOW
    due = Supporter.objects.filter(
        status=SupporterStatus.UNCONFIRMED, confirmation_sent_at__lte=cutoff
    ).values_list("pk", flat=True)
    lapsed = 0
    for pk in list(due):
        with transaction.atomic():
            supporter = (
                Supporter.objects.select_for_update()
                .filter(pk=pk, status=SupporterStatus.UNCONFIRMED, confirmation_sent_at__lte=cutoff)
                .first()
            )
            if supporter is None:  # confirmed or signed again since the list was read
                continue
            supporter.status = SupporterStatus.LAPSED
            supporter.status_changed_at = now
            supporter.save(update_fields=["status", "status_changed_at"])
            _ledger_follow_up(
                supporter=supporter,
                kind=ConsentKind.LAPSED,
                source=ConsentSource.CONFIRMATION_WINDOW,
                now=now,
            )
        lapsed += 1
    return lapsed


# The confirmation email


def _sender_for(petition: PetitionPage | None) -> tuple[str, list[str], str]:
    """From, Reply-To and the organisation's name: the organiser at the site's address."""
    site = Site.objects.filter(is_default_site=True).first()
    site_settings = SiteSettings.for_site(site) if site else None
    organisation = (site_settings.organisation_name if site_settings else "") or (
        site.site_name if site else ""
    )
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    name = petition.organiser_name if petition is not None else organisation
    reply_to = (
        [site_settings.contact_email] if site_settings and site_settings.contact_email else []
    )
    return formataddr((name, address)) if name else address, reply_to, organisation


def confirmation_message(
    *, supporter: Supporter, petition: PetitionPage | None
) -> EmailMultiAlternatives:
    """The email asking ``supporter`` to confirm, about the ``petition`` they just signed."""
    from_email, reply_to, organisation = _sender_for(petition)
    context = {
        "petition": petition,
        "petition_url": _absolute(petition.get_url() or "") if petition is not None else "",
        "organiser": petition.organiser_name if petition is not None else organisation,
        "organisation": organisation,
        "site_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        "confirm_url": confirmation_url(
            reference=supporter.reference, petition_id=petition.pk if petition else None
        ),
        "days": CONFIRMATION_WINDOW.days,
    }
    message = EmailMultiAlternatives(
        subject=_("Please confirm you want updates from %(organiser)s") % context,
        body=render_to_string("supporters/emails/confirmation.txt", context),
        from_email=from_email,
        to=[supporter.email],
        reply_to=reply_to,
    )
    message.attach_alternative(
        render_to_string("supporters/emails/confirmation.html", context), "text/html"
    )
    return message


def confirmation_send(*, supporter_id: int, consent_id: int | None) -> bool:
    """Email the confirmation request, unless the supporter is gone or no longer waiting.

    ``consent_id`` is the ledger entry of the consent just given: the email names its
    petition. Returns whether an email went.
    """
    supporter = Supporter.objects.filter(
        pk=supporter_id, status=SupporterStatus.UNCONFIRMED
    ).first()
    if supporter is None:
        return False
    consent = (
        ConsentEvent.objects.select_related("petition").filter(pk=consent_id).first()
        if consent_id
        else None
    )
    petition = consent.petition if consent is not None else supporter.source_petition
    confirmation_message(supporter=supporter, petition=petition).send()
    return True
