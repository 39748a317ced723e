"""Reads for the OSDI API: its petitions, signatures and people, each a page at a time, and
the keys.

A *person* here is the signer of one counted signature: their id is the signature's. Someone
who signed two petitions is two people, each with what they gave on that petition; a tool
that imports them matches people by email, as campaign tools do on import. Signers who gave
no email are people too (a name and a postcode). Anonymised signatures (retention, erasure)
are nobody and are never listed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from undersigned.osdi.models import ApiKey, ApiSignature
from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.petitions.selectors import signature_counts
from undersigned.supporters.models import Supporter, SupporterStatus

PER_PAGE_DEFAULT = 25
PER_PAGE_MAX = 100


@dataclass(frozen=True)
class ResultPage:
    """One page of a collection, numbered from 1, as OSDI pages collections."""

    items: Sequence
    page: int
    per_page: int
    total_records: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total_records / self.per_page)


def result_page(queryset: QuerySet, *, page: int, per_page: int) -> ResultPage:
    """``page`` of ``queryset`` (ordered), ``per_page`` a page: one count and one read.
    A page past the last is empty."""
    per_page = min(max(per_page, 1), PER_PAGE_MAX)
    total = queryset.count()
    start = (page - 1) * per_page
    # Past the last page nothing is read (nor is a huge offset handed to the database).
    items = list(queryset[start : start + per_page]) if start < total else []
    return ResultPage(items=items, page=page, per_page=per_page, total_records=total)


def api_key_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_get_active(*, secret: str) -> ApiKey | None:
    """The key that ``secret`` is, unless it was revoked."""
    if not secret:
        return None
    return ApiKey.objects.filter(
        secret_hash=api_key_secret_hash(secret), revoked_at__isnull=True
    ).first()


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("created_by").order_by("-created_at", "-pk")


def api_key_find(*, prefix: str) -> list[ApiKey]:
    """The keys whose shown beginning is ``prefix`` (normally one)."""
    return list(ApiKey.objects.filter(prefix=prefix).order_by("pk"))


def petition_list() -> QuerySet[PetitionPage]:
    """Published petitions, oldest first: new ones go on the end, so pages stay put."""
    return PetitionPage.objects.live().public().order_by("pk")


def petition_get(*, petition_id: int) -> PetitionPage | None:
    return petition_list().filter(pk=petition_id).first()


def petition_signature_totals(*, petitions: Iterable[PetitionPage]) -> dict[int, int]:
    """Counted signatures of each petition, as the petition's page shows them."""
    return signature_counts(petitions=petitions)


def _people() -> QuerySet[Signature]:
    return Signature.objects.filter(
        state=SignatureState.COUNTED,
        anonymised_at__isnull=True,
        petition__in=PetitionPage.objects.live().public(),
    )


def signature_list(*, petition: PetitionPage) -> QuerySet[Signature]:
    """The counted signatures of ``petition`` still holding their signer's details, in the
    order they were stored."""
    return _people().filter(petition=petition).order_by("pk")


def signature_get(*, petition: PetitionPage, signature_id: int) -> Signature | None:
    return signature_list(petition=petition).filter(pk=signature_id).first()


def signature_original_get(*, signature: Signature) -> Signature:
    """The signature a duplicate stands for (itself if it is not one)."""
    if signature.duplicate_of_id is None:
        return signature
    return Signature.objects.get(pk=signature.duplicate_of_id)


def person_list() -> QuerySet[Signature]:
    """Every person (see the module's note), as the signature they are, oldest first."""
    return _people().order_by("pk")


def person_get(*, person_id: int) -> Signature | None:
    return _people().filter(pk=person_id).first()


def signature_api_keys(*, signature_ids: Iterable[int]) -> dict[int, str]:
    """For those of the signatures that came through the API: the name of the key used."""
    return dict(
        ApiSignature.objects.filter(signature_id__in=list(signature_ids)).values_list(
            "signature_id", "api_key__name"
        )
    )


def subscribed_emails(*, emails: Iterable[str]) -> set[str]:
    """Of ``emails`` (as signatures store them), those of confirmed supporters: the only
    addresses that may be emailed updates."""
    wanted = {email.strip().lower() for email in emails if email}
    if not wanted:
        return set()
    return set(
        Supporter.objects.filter(email__in=wanted, status=SupporterStatus.CONFIRMED).values_list(
            "email", flat=True
        )
    )
