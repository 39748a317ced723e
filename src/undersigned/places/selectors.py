"""Reads for places: postcode -> areas (a primary-key read, never a network call), ward teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from wagtail.models import Site

from undersigned.places.models import (
    LocalAuthority,
    Postcode,
    Ward,
    WardBoundary,
    WardTeamIndexPage,
    WardTeamMember,
    WardTeamPage,
)
from undersigned.places.postcodes import normalise_postcode


def postcode_lookup(*, postcode: str) -> Postcode | None:
    """The stored postcode matching ``postcode`` typed in any case or spacing, or ``None``."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return None
    return Postcode.objects.filter(pk=normalised).first()


def postcode_areas(*, postcodes: Iterable[str]) -> dict[str, Postcode]:
    """The stored postcodes among ``postcodes`` (already normalised), by postcode: one query
    for a batch of signatures."""
    return {found.pk: found for found in Postcode.objects.filter(pk__in=set(postcodes))}


def ward_get(*, code: str) -> Ward | None:
    if not code:
        return None
    return Ward.objects.select_related("local_authority").filter(pk=code).first()


def ward_for_postcode(*, postcode: str) -> Ward | None:
    """The named ward ``postcode`` lies in, when both the postcode and the ward are known."""
    found = postcode_lookup(postcode=postcode)
    return ward_get(code=found.ward_code) if found else None


def _live_teams() -> QuerySet[WardTeamPage]:
    return WardTeamPage.objects.live().public()


def ward_list_with_team() -> QuerySet[Ward]:
    """Wards that have a published team page, by name: the choices a sender can pick from."""
    return Ward.objects.filter(team_pages__in=_live_teams()).distinct().order_by("name")


def ward_team_for_ward(*, ward: Ward | None) -> WardTeamPage | None:
    if ward is None:
        return None
    return _live_teams().filter(ward=ward).select_related("ward").first()


def ward_team_for_postcode(*, postcode: str) -> WardTeamPage | None:
    """The published team of the ward ``postcode`` is in: postcode -> ward code -> team page."""
    found = postcode_lookup(postcode=postcode)
    if found is None or not found.ward_code:
        return None
    return _live_teams().filter(ward_id=found.ward_code).select_related("ward").first()


def ward_team_list(*, index: WardTeamIndexPage) -> QuerySet[WardTeamPage]:
    """The published teams of a ward teams section, by title, with their members."""
    return (
        _live_teams()
        .child_of(index)
        .select_related("ward")
        .prefetch_related("members")
        .order_by("title")
    )


def ward_team_member_list(*, team: WardTeamPage) -> QuerySet[WardTeamMember]:
    return team.members.select_related("photo").order_by("sort_order")


def ward_team_index_get(*, site: Site | None) -> WardTeamIndexPage | None:
    """The published ward teams section of ``site``, if it has one."""
    indexes = WardTeamIndexPage.objects.live().public()
    if site is not None:
        indexes = indexes.descendant_of(site.root_page, inclusive=True)
    return indexes.order_by("path").first()


def local_authority_get(*, code: str) -> LocalAuthority | None:
    return LocalAuthority.objects.filter(pk=code).first() if code else None


def ward_boundary_list_for_area(*, local_authority_code: str) -> QuerySet[WardBoundary]:
    """The stored outlines of a council area's wards: those the boundary file puts in it, and
    those the ward names put in it (boundary files without a council column)."""
    if not local_authority_code:
        return WardBoundary.objects.none()
    in_area = Ward.objects.filter(local_authority_id=local_authority_code).values("code")
    return WardBoundary.objects.filter(
        Q(local_authority_code=local_authority_code) | Q(ward_code__in=in_area)
    ).order_by("ward_code")
