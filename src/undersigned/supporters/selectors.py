"""Reads for supporters: who gets an update, how far sending has got, the consent ledger,
and the supporter list as organisers see it (search, one person, the CSV export)."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.news.models import NewsletterIssue
from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.places.models import Constituency, Ward
from undersigned.places.postcodes import normalise_postcode
from undersigned.supporters.models import (
    ConsentEvent,
    DeliveryState,
    PetitionUpdate,
    Supporter,
    SupporterStatus,
    UpdateAudience,
    UpdateDelivery,
    UpdateState,
)


def _consenting_signatures(*, petition: PetitionPage) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(petition=petition, wants_updates=True, anonymised_at__isnull=True)
        .exclude(email="")
        .exclude(state=SignatureState.INVALIDATED)
    )


def _signed_and_wants_updates(*, petition: PetitionPage | int) -> Q:
    """For a supporter row: they have a signature on ``petition`` that still wants updates.

    An ``IN`` over the petition's signers rather than a correlated ``EXISTS``: signatures
    are indexed by petition, not by email, so the signers' addresses are read once (through
    the petition's index) and matched against the supporters' unique email index.
    """
    return Q(email__in=_consenting_signatures(petition=petition).values("email"))


def update_recipients(*, update: PetitionUpdate) -> QuerySet[Supporter]:
    """The one answer to "who receives this update": confirmed supporters in its audience.

    - ``petition``: those with a signature on the update's petition that still wants updates
      (duplicate and suspect signatures count, the person still ticked the box; invalidated
      and anonymised ones do not);
    - ``everyone``: every confirmed supporter;
    - ``areas``: those whose ward, constituency or council is one of the update's, narrowed
      to those who signed ``signed_petition`` (and still want updates) when it is set.

    An unconfirmed, lapsed or unsubscribed supporter never receives one. Supporters are one
    row per normalised email, so no address is listed twice.
    """
    supporters = Supporter.objects.filter(status=SupporterStatus.CONFIRMED)
    if update.audience == UpdateAudience.PETITION:
        return supporters.filter(_signed_and_wants_updates(petition=update.petition_id))
    if update.audience == UpdateAudience.EVERYONE:
        return supporters
    # The codes are read first (a handful of rows) so that the count is a plain IN on the
    # (status, area) indexes rather than a join through the choice tables. ``.all()``: a
    # caller that checks many addresses prefetches the areas once.
    in_areas = [
        Q(**{f"{column}__in": codes})
        for column, codes in (
            ("ward_code", [ward.code for ward in update.wards.all()]),
            ("constituency_code", [area.code for area in update.constituencies.all()]),
            ("local_authority_code", [area.code for area in update.councils.all()]),
        )
        if codes
    ]
    if not in_areas:
        return supporters.none()
    supporters = supporters.filter(reduce(operator.or_, in_areas))
    if update.signed_petition_id:
        supporters = supporters.filter(
            _signed_and_wants_updates(petition=update.signed_petition_id)
        )
    return supporters


def update_audience_describe(*, update: PetitionUpdate) -> str:
    """Who the update is for, in words, e.g. "confirmed supporters in Northfield (ward)"."""
    if update.audience == UpdateAudience.PETITION:
        return _("confirmed supporters who signed \u201c%(title)s\u201d and asked for updates") % {
            "title": update.petition.title
        }
    if update.audience == UpdateAudience.EVERYONE:
        return _("every confirmed supporter")
    areas = [
        *(_("%(name)s (ward)") % {"name": ward.name} for ward in update.wards.order_by("name")),
        *(
            _("%(name)s (constituency)") % {"name": area.name}
            for area in update.constituencies.order_by("name")
        ),
        *(
            _("%(name)s (council)") % {"name": area.name}
            for area in update.councils.order_by("name")
        ),
    ]
    if update.signed_petition_id:
        return _("confirmed supporters in %(areas)s who also signed \u201c%(title)s\u201d") % {
            "areas": ", ".join(areas),
            "title": update.signed_petition.title,
        }
    return _("confirmed supporters in %(areas)s") % {"areas": ", ".join(areas)}


def update_recipient_emails(*, update: PetitionUpdate) -> QuerySet:
    """The addresses :func:`update_recipients` lists, in a stable order."""
    return update_recipients(update=update).order_by("email").values_list("email", flat=True)


def update_recipient_count(*, update: PetitionUpdate) -> int:
    return update_recipients(update=update).order_by().count()


def update_recipient_still_wanted(*, update: PetitionUpdate, email: str) -> bool:
    """Whether ``email`` is still one of the update's recipients (checked just before sending,
    so that someone who unsubscribed after the list was fixed is not sent it)."""
    return update_recipients(update=update).filter(email=email.strip().lower()).exists()


def supporter_wants_updates(*, email: str, petition: PetitionPage | int) -> bool:
    petition_id = petition if isinstance(petition, int) else petition.pk
    return _consenting_signatures(petition=petition_id).filter(email=email.strip().lower()).exists()


def petition_update_list_for_admin() -> QuerySet[PetitionUpdate]:
    return PetitionUpdate.objects.select_related(
        "petition", "signed_petition", "created_by", "queued_by"
    )


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


def newsletter_issue_list_for_update() -> QuerySet[NewsletterIssue]:
    """Newsletter issues that can be emailed (those with their PDF), newest first."""
    return (
        NewsletterIssue.objects.filter(document__isnull=False)
        .select_related("page", "document")
        .order_by("-date", "-pk")
    )


def newsletter_issue_for_update(*, issue_id: int) -> NewsletterIssue | None:
    return newsletter_issue_list_for_update().filter(pk=issue_id).first()


# The supporter list in the admin


def supporter_list_for_admin() -> QuerySet[Supporter]:
    """Every supporter, newest first, with the names of their ward and constituency."""
    return (
        Supporter.objects.select_related("source_petition")
        .annotate(
            ward_name=Subquery(Ward.objects.filter(code=OuterRef("ward_code")).values("name")[:1]),
            constituency_name=Subquery(
                Constituency.objects.filter(code=OuterRef("constituency_code")).values("name")[:1]
            ),
        )
        .order_by("-signed_up_at", "-pk")
    )


def supporter_search(*, supporters: QuerySet[Supporter], query: str) -> QuerySet[Supporter]:
    """Supporters whose name, email or postcode contains ``query`` (a postcode typed any
    way, ``cr01ny`` as well as ``CR0 1NY``)."""
    query = query.strip()
    if not query:
        return supporters
    matches = (
        Q(name__icontains=query) | Q(email__contains=query.lower()) | Q(postcode__icontains=query)
    )
    postcode = normalise_postcode(query)
    if postcode:
        matches |= Q(postcode=postcode)
    return supporters.filter(matches)


def supporter_consents(*, supporter: Supporter) -> QuerySet[ConsentEvent]:
    """The consent ledger's entries for the supporter's address, newest first."""
    return ConsentEvent.objects.filter(email=supporter.email).select_related(
        "petition", "recorded_by"
    )


def supporter_signatures(*, supporter: Supporter) -> QuerySet[Signature]:
    """The signatures given with the supporter's address, newest first."""
    return (
        Signature.objects.filter(email=supporter.email)
        .select_related("petition")
        .order_by("-created_at", "-pk")
    )


SUPPORTER_EXPORT_HEADER = (
    "Name",
    "Email",
    "Postcode",
    "Ward",
    "Constituency",
    "Signed up",
    "Signed up on (petition)",
)


def supporter_export_rows(*, supporters: QuerySet[Supporter]) -> Iterator[tuple[str, ...]]:
    """The confirmed supporters among ``supporters``, one row each, read in chunks so that
    200,000 of them never sit in memory together. Area and petition names are looked up
    once (a few hundred rows) instead of joined for every supporter."""
    ward_names = dict(Ward.objects.values_list("code", "name"))
    constituency_names = dict(Constituency.objects.values_list("code", "name"))
    petition_titles = dict(PetitionPage.objects.values_list("pk", "title"))
    rows = (
        supporters.filter(status=SupporterStatus.CONFIRMED)
        .order_by("-signed_up_at", "-pk")
        .values_list(
            "name",
            "email",
            "postcode",
            "ward_code",
            "constituency_code",
            "signed_up_at",
            "source_petition_id",
        )
    )
    for name, email, postcode, ward, constituency, signed_up, petition_id in rows.iterator(
        chunk_size=2000
    ):
        yield (
            name,
            email,
            postcode,
            ward_names.get(ward, ""),
            constituency_names.get(constituency, ""),
            timezone.localtime(signed_up).strftime("%Y-%m-%d %H:%M"),
            petition_titles.get(petition_id, ""),
        )
