"""Retention: removing personal data once the petition or the message it was given for is done.

Signers of a petition that was handed in (or closed) more than the retention period ago are
anonymised, not deleted: their name, address, postcode, email and IP hash go, while each
row keeps its state and its ward, constituency and local-authority codes, so the count and
the per-ward totals stay exactly as they were. Messages from the contact form that were
answered or closed that long ago are deleted outright, because what people write in them is
personal through and through.

On the supporter list, a person who lapsed (never confirmed) or unsubscribed is deleted
:data:`SUPPORTER_KEPT_AFTER_LEAVING` after it happened: the list keeps only people who may
still be sent something, and the consent ledger stays the record of what they agreed to
and when they stopped. The grace period lets someone who unsubscribed by mistake, or whose
confirmation went to spam, sign again and pick up where they were.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import ngettext
from wagtail.models import Site

from undersigned.contact import selectors as contact_selectors
from undersigned.contact import services as contact_services
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions import services as petition_services
from undersigned.petitions.models import PetitionPage, PetitionState
from undersigned.site.models import SiteSettings
from undersigned.supporters.ledger import supporter_records_anonymise
from undersigned.supporters.models import (
    ErasureKind,
    ErasureRecord,
    Supporter,
    SupporterStatus,
)

BATCH_SIZE = 1000
SUPPORTER_KEPT_AFTER_LEAVING = datetime.timedelta(days=30)


@dataclass(frozen=True)
class RetentionResult:
    signatures_anonymised: int
    enquiries_deleted: int
    supporters_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "signatures_anonymised": self.signatures_anonymised,
            "enquiries_deleted": self.enquiries_deleted,
            "supporters_deleted": self.supporters_deleted,
        }


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time ``months`` calendar months earlier (31 May - 3 months = 28 Feb)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_months_get() -> int:
    """The retention period set for the default site (6 months until someone changes it)."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return SiteSettings._meta.get_field("retention_months").default
    return SiteSettings.for_site(site).retention_months


def petition_list_past_retention(*, cutoff: datetime.datetime) -> QuerySet[PetitionPage]:
    """Finished petitions whose hand-in (or else closing) was at or before ``cutoff``."""
    return (
        PetitionPage.objects.filter(
            state__in=[PetitionState.CLOSED, PetitionState.HANDED_IN],
            personal_data_purged_at__isnull=True,
        )
        .annotate(finished_at=Coalesce("handed_in_at", "closed_at"))
        .filter(finished_at__lte=cutoff)
        .order_by("finished_at", "pk")
    )


@transaction.atomic
def _petition_mark_purged(*, petition_id: int, anonymised_now: int, now: datetime.datetime):
    """Stamp the petition and record the removal, once, even if two runs overlap."""
    petition = PetitionPage.objects.select_for_update().get(pk=petition_id)
    already_recorded = ErasureRecord.objects.filter(
        kind=ErasureKind.RETENTION, petition=petition
    ).exists()
    if not already_recorded:
        ErasureRecord.objects.create(
            kind=ErasureKind.RETENTION,
            petition=petition,
            signatures_affected=petition_selectors.signature_count_anonymised(petition=petition),
            performed_at=now,
        )
    elif anonymised_now:
        # Signed after an earlier purge (the petition was reopened): recorded on their own.
        ErasureRecord.objects.create(
            kind=ErasureKind.RETENTION,
            petition=petition,
            signatures_affected=anonymised_now,
            performed_at=now,
        )
    # The ledger keeps what was agreed and when, no longer whose address it was.
    supporter_records_anonymise(petition=petition)
    petition_services.petition_personal_data_purged_mark(petition=petition, now=now)


def signatures_anonymise_expired(*, now: datetime.datetime | None = None) -> int:
    """Anonymise the signers of every petition finished longer ago than the retention period.

    Works in batches of :data:`BATCH_SIZE` rows, each in its own transaction, so a petition
    with 200,000 signers never holds a long lock; a run that stops half-way is finished by
    the next one. Returns how many signatures were anonymised.
    """
    now = now or timezone.now()
    cutoff = months_before(now, retention_months_get())
    total = 0
    for petition_id in petition_list_past_retention(cutoff=cutoff).values_list("pk", flat=True):
        anonymised_now = 0
        while batch := petition_services.signatures_anonymise(
            petition_id=petition_id, now=now, limit=BATCH_SIZE
        ):
            anonymised_now += batch
        _petition_mark_purged(petition_id=petition_id, anonymised_now=anonymised_now, now=now)
        total += anonymised_now
    return total


def enquiries_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete answered or closed messages last changed longer ago than the retention period.

    Messages still new or in progress are kept however old they are: someone is still
    dealing with them. Returns how many were deleted.
    """
    now = now or timezone.now()
    cutoff = months_before(now, retention_months_get())
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                contact_selectors.enquiry_list_past_retention(cutoff=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            if not ids:
                break
            contact_services.enquiries_delete(pks=ids)
        deleted += len(ids)
    if deleted:
        ErasureRecord.objects.create(
            kind=ErasureKind.RETENTION,
            signatures_affected=0,
            performed_at=now,
            note=ngettext(
                "%(count)d message from the contact form deleted",
                "%(count)d messages from the contact form deleted",
                deleted,
            )
            % {"count": deleted},
        )
    return deleted


def supporters_delete_left(*, now: datetime.datetime | None = None) -> int:
    """Delete supporters who lapsed or unsubscribed over the grace period ago.

    Recorded as one retention entry with the number, never who. Returns how many went.
    """
    now = now or timezone.now()
    deleted, _by_model = Supporter.objects.filter(
        status__in=[SupporterStatus.LAPSED, SupporterStatus.UNSUBSCRIBED],
        status_changed_at__lte=now - SUPPORTER_KEPT_AFTER_LEAVING,
    ).delete()
    if deleted:
        ErasureRecord.objects.create(
            kind=ErasureKind.RETENTION,
            signatures_affected=0,
            performed_at=now,
            note=ngettext(
                "%(count)d person who lapsed or unsubscribed taken off the supporter list",
                "%(count)d people who lapsed or unsubscribed taken off the supporter list",
                deleted,
            )
            % {"count": deleted},
        )
    return deleted


def personal_data_purge_expired(*, now: datetime.datetime | None = None) -> RetentionResult:
    """Everything retention does, in one call: signers anonymised, old messages deleted,
    people who left the supporter list deleted."""
    now = now or timezone.now()
    return RetentionResult(
        signatures_anonymised=signatures_anonymise_expired(now=now),
        enquiries_deleted=enquiries_delete_expired(now=now),
        supporters_deleted=supporters_delete_left(now=now),
    )
