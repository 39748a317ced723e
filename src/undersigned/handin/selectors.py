"""Reads for hand-in packs: the signatories in signing order, the cover figures, the packs."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.handin.models import HandinPack
from undersigned.petitions.models import (
    PetitionPage,
    Signature,
    SignatureSource,
    SignatureState,
)
from undersigned.petitions.selectors import signature_counts_by_ward, signature_share_in_area
from undersigned.places.models import Ward


@dataclass(frozen=True, slots=True)
class Signatory:
    """One line of the list handed in. Never carries an email address."""

    number: int
    name: str
    postcode: str
    ward: str
    address: str
    signed_at: datetime.datetime  # local time (for paper: when the sheet was entered)
    paper_sheet: str = ""  # the reference of the paper sheet it was collected on, if any
    collected_on: datetime.date | None = None  # the day that sheet was collected

    @property
    def on_paper(self) -> bool:
        return bool(self.paper_sheet)

    @property
    def number_text(self) -> str:
        return f"{self.number:,}"


@dataclass(frozen=True)
class WardRow:
    name: str
    count: int
    share: float  # percent of the valid signatures
    located: bool = True


@dataclass(frozen=True)
class InArea:
    name: str
    count: int
    share: float


@dataclass(frozen=True)
class SignatureTally:
    """Every signature received, by what became of it; the four parts add up to the whole."""

    counted: int
    duplicates: int  # a later signature by someone who had already signed
    held_back: int  # held back automatically as suspected abuse, not restored by anyone
    invalidated: int  # stopped counting by the organisers, by hand or by a rule they applied
    counted_on_paper: int = 0  # of the counted, those collected on paper sheets

    @property
    def received(self) -> int:
        return self.counted + self.duplicates + self.held_back + self.invalidated


@dataclass(frozen=True)
class HandinFigures:
    """The totals on the cover of a pack, all taken from one snapshot of the signatures."""

    tally: SignatureTally
    wards: list[WardRow]
    in_area: InArea | None

    @property
    def counted(self) -> int:
        return self.tally.counted


def handin_pack_list(*, petition: PetitionPage) -> QuerySet[HandinPack]:
    return HandinPack.objects.filter(petition=petition).select_related("created_by")


def handin_petition_list() -> QuerySet[PetitionPage]:
    """Every petition that has opened, those waiting to be handed in first."""
    return (
        PetitionPage.objects.exclude(opened_at__isnull=True)
        .annotate(pack_count=Count("handin_packs"))
        .order_by(
            F("handed_in_at").desc(nulls_first=True),
            F("closed_at").desc(nulls_first=True),
            "-created_at",
        )
    )


def signature_snapshot_id(*, petition: PetitionPage) -> int:
    """The newest signature id now: a pack lists nothing stored after it, so that its
    figures and its list agree even while people are still signing."""
    return Signature.objects.filter(petition=petition).aggregate(last=Max("pk"))["last"] or 0


def _counted(petition: PetitionPage, last_signature_id: int) -> QuerySet[Signature]:
    return Signature.objects.filter(
        petition=petition, state=SignatureState.COUNTED, pk__lte=last_signature_id
    )


def signatory_count(*, petition: PetitionPage, last_signature_id: int) -> int:
    return _counted(petition, last_signature_id).count()


def ward_names(*, petition: PetitionPage) -> dict[str, str]:
    """Names of the wards a petition's signers live in, by ward code (a few thousand at most)."""
    codes = (
        Signature.objects.filter(petition=petition)
        .exclude(ward_code="")
        .order_by()
        .values_list("ward_code", flat=True)
        .distinct()
    )
    return dict(Ward.objects.filter(code__in=codes).values_list("code", "name"))


def signatory_chunks(
    *,
    petition: PetitionPage,
    last_signature_id: int,
    include_addresses: bool,
    chunk_size: int = 2000,
) -> Iterator[list[Signatory]]:
    """Counted signatures in signing order, numbered from 1, ``chunk_size`` at a time.

    Each chunk is its own short query that carries on after the last row of the one before
    (keyset paging on the ``(petition, created_at)`` index): memory stays flat however many
    people signed, and no cursor or transaction is held open while a chunk is laid out.
    """
    names = ward_names(petition=petition)
    fields = [
        "pk",
        "created_at",
        "name",
        "postcode",
        "ward_code",
        "paper_sheet__reference",
        "paper_sheet__collected_on",
    ]
    if include_addresses:
        fields.append("address")
    base = _counted(petition, last_signature_id).order_by("created_at", "pk")
    local = timezone.get_current_timezone()  # (once: localtime() looks it up for every row)
    number = 0
    after: tuple[datetime.datetime, int] | None = None
    while True:
        page = base
        if after is not None:
            signed, pk = after
            page = base.filter(created_at__gte=signed).exclude(created_at=signed, pk__lte=pk)
        values = list(page.values_list(*fields)[:chunk_size])
        if not values:
            return
        chunk = []
        for value in values:
            number += 1
            chunk.append(
                Signatory(
                    number=number,
                    name=value[2],
                    postcode=value[3],
                    ward=names.get(value[4], value[4]),
                    address=", ".join(value[7].splitlines()) if include_addresses else "",
                    signed_at=value[1].astimezone(local),
                    paper_sheet=value[5] or "",
                    collected_on=value[6],
                )
            )
        yield chunk
        after = (values[-1][1], values[-1][0])


def _percent(count: int, total: int) -> float:
    return count * 100 / total if total else 0.0


def _ward_rows_grouped(counted: QuerySet[Signature], total: int, petition) -> list[WardRow]:
    """Counted signatures per ward with one GROUP BY, named from the wards table."""
    names = ward_names(petition=petition)
    groups = list(counted.order_by().values_list("ward_code").annotate(n=Count("*")))
    rows = [
        WardRow(name=names.get(code, code), count=n, share=_percent(n, total))
        for code, n in groups
        if code
    ]
    rows.sort(key=lambda row: (-row.count, row.name))
    unplaced = sum(n for code, n in groups if not code)
    if unplaced:
        rows.append(
            WardRow(
                name=_("No ward found (no postcode, or a postcode not in the directory)"),
                count=unplaced,
                share=_percent(unplaced, total),
                located=False,
            )
        )
    return rows


def _breakdown_from_petitions(petition: PetitionPage, total: int):
    """The ward table and in-area share from the petitions app's breakdown, when it has one
    and it agrees with this pack's snapshot; ``None`` to compute them here instead."""
    by_ward = signature_counts_by_ward(petition=petition)
    if sum(row.count for row in by_ward) != total:
        return None  # cached a moment ago, or signatures changed since the snapshot
    wards = [
        WardRow(
            name=row.name, count=row.count, share=row.share, located=getattr(row, "located", True)
        )
        for row in by_ward
    ]
    share = signature_share_in_area(petition=petition)
    if share is not None and share.total != total:
        return None
    in_area = InArea(name=share.name, count=share.count, share=share.share) if share else None
    return wards, in_area


def signature_tally(
    *, petition: PetitionPage, last_signature_id: int | None = None
) -> SignatureTally:
    """How many signatures ``petition`` received and what became of them, in one query;
    only those stored up to ``last_signature_id`` when it is given (a pack's snapshot)."""
    signatures = Signature.objects.filter(petition=petition)
    if last_signature_id is not None:
        signatures = signatures.filter(pk__lte=last_signature_id)
    states: dict[str, int] = {}
    on_paper = 0
    for state, source, n in (
        signatures.order_by().values_list("state", "source").annotate(n=Count("*"))
    ):
        states[state] = states.get(state, 0) + n
        if state == SignatureState.COUNTED and source == SignatureSource.PAPER:
            on_paper = n
    return SignatureTally(
        counted=states.get(SignatureState.COUNTED, 0),
        duplicates=states.get(SignatureState.DUPLICATE, 0),
        held_back=states.get(SignatureState.SUSPECT, 0),
        invalidated=states.get(SignatureState.INVALIDATED, 0),
        counted_on_paper=on_paper,
    )


def handin_figures(*, petition: PetitionPage, last_signature_id: int) -> HandinFigures:
    """The cover's totals, taken from the same snapshot as the list of signatories."""
    tally = signature_tally(petition=petition, last_signature_id=last_signature_id)
    counted = tally.counted
    from_petitions = _breakdown_from_petitions(petition, counted)
    if from_petitions is not None:
        wards, in_area = from_petitions
    else:
        wards = _ward_rows_grouped(_counted(petition, last_signature_id), counted, petition)
        in_area = _in_area(petition, last_signature_id, counted)
    return HandinFigures(tally=tally, wards=wards, in_area=in_area)


def _in_area(petition: PetitionPage, last_signature_id: int, total: int) -> InArea | None:
    """Counted signatures whose postcode lies in the petition's target council area, if set."""
    target = getattr(petition, "target_local_authority", None)
    if target is None:
        return None
    count = _counted(petition, last_signature_id).filter(local_authority_code=target.pk).count()
    return InArea(name=target.name, count=count, share=_percent(count, total))
