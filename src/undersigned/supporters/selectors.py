"""Reads for supporters: who gets an update, how far sending has got, the consent ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, QuerySet

from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.supporters.models import (
    DeliveryState,
    PetitionUpdate,
    UpdateDelivery,
    UpdateState,
)


def _consenting_signatures(*, petition: PetitionPage) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(petition=petition, wants_updates=True, anonymised_at__isnull=True)
        .exclude(email="")
        .exclude(state=SignatureState.INVALIDATED)
    )


def update_recipient_emails(*, petition: PetitionPage) -> QuerySet:
    """Each address, once, that asked for updates on ``petition`` and has not withdrawn.

    Duplicate and suspect signatures count (the person still ticked the box); invalidated
    ones do not.
    """
    return (
        _consenting_signatures(petition=petition)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def update_recipient_count(*, petition: PetitionPage) -> int:
    return update_recipient_emails(petition=petition).count()


def supporter_wants_updates(*, email: str, petition: PetitionPage | int) -> bool:
    petition_id = petition if isinstance(petition, int) else petition.pk
    return _consenting_signatures(petition=petition_id).filter(email=email.strip().lower()).exists()


def petition_update_list_for_admin() -> QuerySet[PetitionUpdate]:
    return PetitionUpdate.objects.select_related("petition", "created_by", "queued_by")


@dataclass(frozen=True)
class UpdateProgress:
    total: int
    sent: int
    failed: int
    skipped: int
    waiting: int
    in_flight: int
    last_attempt_at: datetime | None

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)


def update_progress(*, update: PetitionUpdate) -> UpdateProgress:
    """How many of an update's emails went, failed, were skipped or are still to go."""
    by_state = dict(
        UpdateDelivery.objects.filter(update=update)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    last = UpdateDelivery.objects.filter(update=update).aggregate(last=Max("claimed_at"))["last"]
    return UpdateProgress(
        total=sum(by_state.values()) if update.state != UpdateState.DRAFT else 0,
        sent=by_state.get(DeliveryState.SENT, 0),
        failed=by_state.get(DeliveryState.FAILED, 0),
        skipped=by_state.get(DeliveryState.SKIPPED, 0),
        waiting=by_state.get(DeliveryState.PENDING, 0),
        in_flight=by_state.get(DeliveryState.SENDING, 0),
        last_attempt_at=last,
    )
