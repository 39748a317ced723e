"""Writes to the consent ledger that need petitions: unsubscribing, leaving the supporter
list, and anonymising the ledger.

A withdrawal stops the signatures wanting updates (through petitions, which owns them),
skips the deliveries still waiting and is recorded in the ledger. Consents given are
recorded by ``supporters.consent``, below petitions, as part of signing.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from undersigned.petitions import services as petition_services
from undersigned.petitions.models import PetitionPage
from undersigned.site.errors import ApplicationError
from undersigned.supporters.consent import ConsentMessages, email_normalise
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentKind,
    ConsentScope,
    ConsentSource,
    DeliveryState,
    Supporter,
    SupporterStatus,
    UpdateDelivery,
)


class LedgerMessages:
    """What is said when a withdrawal cannot be recorded."""

    SOURCE_UNKNOWN = ConsentMessages.SOURCE_UNKNOWN
    EMAIL_INVALID = gettext_lazy("Enter an email address, like name@example.com")


@transaction.atomic
def supporter_unsubscribe(
    *,
    email: str,
    petition: PetitionPage,
    source: str,
    recorded_by: AbstractBaseUser | None = None,
) -> ConsentEvent | None:
    """Stop updates about ``petition`` to ``email``, now, and record it in the ledger.

    Every signature of that petition with that email stops wanting updates, and any of the
    petition's updates still waiting to go to that address are skipped. Returns the ledger
    entry, or ``None`` if the address was not (or no longer) getting updates.
    """
    if source not in ConsentSource.values:
        raise ApplicationError(str(LedgerMessages.SOURCE_UNKNOWN), extra={"source": source})
    email = email_normalise(email)
    if not email:
        raise ApplicationError(str(LedgerMessages.EMAIL_INVALID))
    latest = petition_services.signatures_updates_withdraw(petition=petition, email=email)
    if latest is None:
        return None
    UpdateDelivery.objects.filter(
        update__petition=petition, email=email, state=DeliveryState.PENDING
    ).update(state=DeliveryState.SKIPPED, error="Unsubscribed before it was sent.")
    return ConsentEvent.objects.create(
        email=email,
        petition=petition,
        scope=ConsentScope.PETITION_UPDATES,
        wording=latest.consent_text,
        wording_version=latest.consent_version,
        kind=ConsentKind.WITHDRAWN,
        source=source,
        signature=latest,
        recorded_by=recorded_by,
    )


def _consents_withdraw(
    *, email: str, source: str, recorded_by: AbstractBaseUser | None
) -> list[ConsentEvent]:
    """Withdraw every petition's consent given by ``email``; the ledger entries made."""
    petitions = PetitionPage.objects.filter(
        signatures__email=email, signatures__wants_updates=True
    ).distinct()
    withdrawn = (
        supporter_unsubscribe(
            email=email, petition=petition, source=source, recorded_by=recorded_by
        )
        for petition in petitions
    )
    return [event for event in withdrawn if event is not None]


@transaction.atomic
def supporter_list_leave(
    *, supporter: Supporter, source: str, recorded_by: AbstractBaseUser | None = None
) -> bool:
    """Take ``supporter`` off the list: no more updates about any petition, from now.

    Each petition's consent is withdrawn through :func:`supporter_unsubscribe` (recorded in
    the ledger, waiting deliveries skipped) and the row is marked ``unsubscribed``. Returns
    ``False`` if there was nothing left to stop.
    """
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    withdrawn = _consents_withdraw(email=supporter.email, source=source, recorded_by=recorded_by)
    if supporter.status == SupporterStatus.UNSUBSCRIBED and not withdrawn:
        return False
    supporter.status = SupporterStatus.UNSUBSCRIBED
    supporter.status_changed_at = timezone.now()
    supporter.save(update_fields=["status", "status_changed_at"])
    return True


@transaction.atomic
def supporter_leave_by_email(
    *, email: str, source: str, recorded_by: AbstractBaseUser | None = None
) -> bool:
    """Stop all updates to ``email`` (someone who asked an organiser by phone, letter or
    reply): off the supporter list, and every petition's consent withdrawn, even one given
    before the list existed. ``False`` if the address was not getting updates."""
    if source not in ConsentSource.values:
        raise ApplicationError(str(LedgerMessages.SOURCE_UNKNOWN), extra={"source": source})
    email = email_normalise(email)
    if not email:
        raise ApplicationError(str(LedgerMessages.EMAIL_INVALID))
    supporter = Supporter.objects.filter(email=email).first()
    if supporter is not None:
        return supporter_list_leave(supporter=supporter, source=source, recorded_by=recorded_by)
    return bool(_consents_withdraw(email=email, source=source, recorded_by=recorded_by))


@transaction.atomic
def supporter_records_anonymise(*, petition: PetitionPage, email: str | None = None) -> int:
    """Remove email addresses from ``petition``'s consent ledger and update deliveries.

    For retention and erasure: the ledger keeps what was agreed, in which words and when,
    but no longer whose address it was; the per-address delivery rows go (each update keeps
    its totals). ``email`` limits it to one person. Returns how many ledger entries changed.
    """
    events = ConsentEvent.objects.filter(petition=petition).exclude(email="")
    deliveries = UpdateDelivery.objects.filter(update__petition=petition)
    if email is not None:
        events = events.filter(email=email_normalise(email))
        deliveries = deliveries.filter(email=email_normalise(email))
    deliveries.delete()
    return events.update(email="")
