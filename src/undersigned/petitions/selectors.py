"""Reads for petitions: finding petitions, and counting their signatures cheaply at peak."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Model,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from undersigned.petitions.models import (
    SAME_PERSON_RULES,
    PaperSheet,
    PaperUpload,
    PetitionIndexPage,
    PetitionPage,
    PetitionState,
    Signature,
    SignatureSource,
    SignatureState,
    accepting_signatures,
    accepting_signatures_q,
)
from undersigned.petitions.share_card import ShareCard
from undersigned.places.maps import WardMap, ward_map
from undersigned.places.models import Constituency, LocalAuthority, Ward, WardBoundary
from undersigned.site.models import SiteSettings
from undersigned.site.origins import origin_list_read
from undersigned.speed.caching import cached_briefly, cached_forget, kept_in_process


def petition_list_published(*, parent: PetitionIndexPage | None = None) -> QuerySet[PetitionPage]:
    """Live petitions, those taking signatures first, then newest first."""
    petitions = PetitionPage.objects.live().public()
    if parent is not None:
        petitions = petitions.child_of(parent)
    return petitions.annotate(
        open_first=Case(
            When(accepting_signatures_q(now=timezone.now()), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "-created_at")


def petition_status_q(*, status: PetitionState, now: datetime.datetime) -> Q:
    """Petitions that read as ``status`` at ``now`` (``models.petition_status`` in SQL): an
    open petition past its closing date is closed already."""
    if status == PetitionState.OPEN:
        return accepting_signatures_q(now=now)
    if status == PetitionState.CLOSED:
        return Q(state=PetitionState.CLOSED) | Q(state=PetitionState.OPEN, closes_at__lte=now)
    return Q(state=status)


def petition_list_public(*, status: PetitionState | None = None) -> QuerySet[PetitionPage]:
    """Live, public petitions (those that read as ``status``, if given), newest first: what the
    open data lists."""
    petitions = PetitionPage.objects.live().public()
    if status is not None:
        petitions = petitions.filter(petition_status_q(status=status, now=timezone.now()))
    return petitions.order_by("-created_at", "-pk")


def petition_index_for_new(*, user) -> PetitionIndexPage | None:
    """The petitions section where ``user`` may start a new petition (the first, if several)."""
    for index in PetitionIndexPage.objects.order_by("path"):
        if index.permissions_for_user(user).can_add_subpage():
            return index
    return None


def petition_get_live(*, slug: str) -> PetitionPage | None:
    return PetitionPage.objects.live().public().filter(slug=slug).order_by("pk").first()


def petition_embed_origins(
    *, petition: PetitionPage | SigningTarget, site_settings: SiteSettings
) -> list[str]:
    """The origins whose pages may show ``petition``'s sign form in a frame: those listed on
    the petition, then those listed for the whole site. Empty: no site may."""
    origins = origin_list_read(petition.embed_origins)
    site_wide = origin_list_read(site_settings.embed_origins)
    return origins + [origin for origin in site_wide if origin not in origins]


@dataclass(frozen=True)
class SigningTarget:
    """What taking a signature needs to know about a petition: a copy small enough to cache,
    so that a sign request reads no page from the database (and builds no page object)."""

    pk: int
    url: str
    thank_you_url: str
    organiser_name: str
    state: str
    closes_at: datetime.datetime | None
    signing_paused: bool
    signing_paused_message: str
    honeypot_enabled: bool
    proof_of_work_required: bool
    embed_origins: str

    @classmethod
    def of(cls, petition: PetitionPage) -> SigningTarget:
        return cls(
            pk=petition.pk,
            url=petition.url,
            thank_you_url=petition.thank_you_url,
            organiser_name=petition.organiser_name,
            state=petition.state,
            closes_at=petition.closes_at,
            signing_paused=petition.signing_paused,
            signing_paused_message=petition.signing_paused_message,
            honeypot_enabled=petition.honeypot_enabled,
            proof_of_work_required=petition.proof_of_work_required,
            embed_origins=petition.embed_origins,
        )

    def is_accepting_signatures(self, now=None) -> bool:
        return accepting_signatures(state=self.state, closes_at=self.closes_at, now=now)


def signing_target(*, slug: str) -> SigningTarget | None:
    """The live, public petition ``slug`` as signing needs it; ``None`` if there is none.

    Kept by each process for as long as a public page may be cached
    (``UNDERSIGNED_PAGE_CACHE_SECONDS``): the form a person sends was read from a page at
    least that old. Whether the petition still takes signatures is checked again by the
    database as a signature is stored, so a petition closed or paused a moment ago takes
    none, whatever this copy says.
    """
    # A key of the process's own dictionary, not of the shared cache: the slug as it is.
    key = "petitions:signing-target:" + slug

    def build() -> SigningTarget | None:
        petition = petition_get_live(slug=slug)
        return SigningTarget.of(petition) if petition else None

    return kept_in_process(key, settings.UNDERSIGNED_PAGE_CACHE_SECONDS, build)


def _count_cache_key(petition_id: int) -> str:
    return f"petitions:signature-count:{petition_id}"


def signature_count(*, petition: PetitionPage) -> int:
    """Counted signatures of ``petition``, from an index, cached for a second or two.

    Counting from the signatures table (no counter row that every signer would update)
    keeps writers from queueing on one hot row; the cache keeps readers from recounting
    on every page view. The number shown may lag by the cache time, then converges.
    """
    ttl = settings.UNDERSIGNED_COUNT_CACHE_SECONDS
    key = _count_cache_key(petition.pk)
    if ttl:
        cached = cache.get(key)
        if cached is not None:
            return cached
    count = Signature.objects.filter(petition=petition, state=SignatureState.COUNTED).count()
    if ttl:
        cache.set(key, count, ttl)
    return count


def _paper_count_cache_key(petition_id: int) -> str:
    return f"petitions:paper-signature-count:{petition_id}"


def signature_count_paper(*, petition: PetitionPage) -> int:
    """Of the counted signatures of ``petition``, how many were collected on paper; cached
    as :func:`signature_count` is (and forgotten with it)."""
    ttl = settings.UNDERSIGNED_COUNT_CACHE_SECONDS
    key = _paper_count_cache_key(petition.pk)
    if ttl:
        cached = cache.get(key)
        if cached is not None:
            return cached
    count = Signature.objects.filter(
        petition=petition, state=SignatureState.COUNTED, source=SignatureSource.PAPER
    ).count()
    if ttl:
        cache.set(key, count, ttl)
    return count


def paper_sheet_list(*, petition: PetitionPage) -> QuerySet[PaperSheet]:
    """The petition's paper sheets, newest first, each with how many of its signatures count."""
    return (
        PaperSheet.objects.filter(petition=petition)
        .select_related("entered_by")
        .annotate(
            signature_total=Count("signatures"),
            counted_total=Count("signatures", filter=Q(signatures__state=SignatureState.COUNTED)),
        )
        .order_by("-entered_at", "-pk")
    )


def paper_sheet_totals(*, sheet: PaperSheet) -> tuple[int, int]:
    """How many signatures ``sheet`` holds, and how many of them count."""
    totals = sheet.signatures.aggregate(
        stored=Count("pk"), counted=Count("pk", filter=Q(state=SignatureState.COUNTED))
    )
    return totals["stored"], totals["counted"]


def paper_upload_get(*, petition: PetitionPage, upload_id: int, user) -> PaperUpload | None:
    """An upload waiting for confirmation, only to the organiser who made it."""
    return PaperUpload.objects.filter(pk=upload_id, petition=petition, uploaded_by=user).first()


def signature_count_anonymised(*, petition: PetitionPage) -> int:
    """Signatures of ``petition`` whose personal details have been removed, in any state."""
    return Signature.objects.filter(petition=petition, anonymised_at__isnull=False).count()


def signature_list_for_person(
    *, email: str = "", name_key: str = "", postcode: str = ""
) -> QuerySet[Signature]:
    """Every signature of one person, on every petition and in any state, by petition title.

    A person is their ``email`` (any case), or their folded name (``services.name_key``)
    at a normalised ``postcode`` (the ways of ``SAME_PERSON_RULES``); with neither, nobody.
    """
    person = {"email": email, "name_key": name_key, "postcode": postcode}
    match = Q()
    for rule in SAME_PERSON_RULES:
        # Only a whole key is somebody: a name without a postcode could be anyone's.
        if all(person[name] for name in rule.key):
            match |= rule.matching(person, any_case=True)
    if not match:
        return Signature.objects.none()
    return (
        Signature.objects.filter(match)
        .select_related("petition")
        .order_by("petition__title", "created_at")
    )


def signature_count_forget(*, petition: PetitionPage) -> None:
    """Drop the cached count so that the next read counts again (after moderation)."""
    cache.delete_many([_count_cache_key(petition.pk), _paper_count_cache_key(petition.pk)])


def signature_progress_percent(*, count: int, goal: int) -> int:
    """How far ``count`` is toward ``goal``, 0-100, for a progress bar."""
    if goal <= 0:
        return 100
    return min(100, count * 100 // goal)


def _counts_cached(
    petitions: Iterable[PetitionPage], *, cache_key: Callable[[int], str], counted: Q
) -> dict[int, int]:
    """Signatures matching ``counted`` of each of ``petitions`` by id: what the cache holds
    under ``cache_key(id)``, and the rest in one grouped query (then cached)."""
    ids = [petition.pk for petition in petitions]
    ttl = settings.UNDERSIGNED_COUNT_CACHE_SECONDS
    keys = {cache_key(pk): pk for pk in ids}
    counts = {keys[key]: count for key, count in cache.get_many(keys).items()} if ttl else {}
    missing = [pk for pk in ids if pk not in counts]
    if missing:
        found = dict(
            Signature.objects.filter(counted, petition_id__in=missing)
            .order_by()
            .values_list("petition_id")
            .annotate(signatures=Count("*"))
        )
        fresh = {pk: found.get(pk, 0) for pk in missing}
        counts.update(fresh)
        if ttl:
            cache.set_many({cache_key(pk): count for pk, count in fresh.items()}, ttl)
    return counts


def signature_counts(*, petitions: Iterable[PetitionPage]) -> dict[int, int]:
    """Counted signatures of each of ``petitions`` by petition id, as :func:`signature_count`
    gives them (and from the same cache), in one cache read and at most one query."""
    return _counts_cached(
        petitions, cache_key=_count_cache_key, counted=Q(state=SignatureState.COUNTED)
    )


def signature_counts_paper(*, petitions: Iterable[PetitionPage]) -> dict[int, int]:
    """Of each petition's counted signatures, those collected on paper, as
    :func:`signature_count_paper` gives them (and from the same cache), by petition id."""
    return _counts_cached(
        petitions,
        cache_key=_paper_count_cache_key,
        counted=Q(state=SignatureState.COUNTED, source=SignatureSource.PAPER),
    )


# The image sizes petition cards show: the width of a card in a list, and twice that.
CARD_IMAGE_FILTERS = ("fill-480x252-c100", "fill-960x504-c100")


@dataclass(frozen=True)
class PetitionCard:
    """A petition as lists show it: the page, its count and how far toward its goal."""

    petition: PetitionPage
    signature_count: int
    progress_percent: int


def petition_card_list(*, petitions: Iterable[PetitionPage]) -> list[PetitionCard]:
    """``petitions`` with their counts, and their images' card sizes fetched in one query."""
    petitions = list(petitions)
    prefetch_related_objects(
        petitions,
        Prefetch(
            "image", queryset=get_image_model().objects.prefetch_renditions(*CARD_IMAGE_FILTERS)
        ),
    )
    counts = signature_counts(petitions=petitions)
    return [
        PetitionCard(
            petition=petition,
            signature_count=counts[petition.pk],
            progress_percent=signature_progress_percent(
                count=counts[petition.pk], goal=petition.signature_goal
            ),
        )
        for petition in petitions
    ]


# The Wagtail hook through which an app above this one names the page types that count as
# stories about a petition (news registers its stories): each function returns page models.
STORY_PAGE_TYPES_HOOK = "undersigned_petition_story_page_types"


def petition_story_list(*, petition: PetitionPage, limit: int = 5) -> list[Page]:
    """The newest live, public stories that link to ``petition`` or name it as theirs.

    Wagtail's reference index knows every page that points at the petition (a chosen
    petition, a link in rich text); the story page types come from
    ``STORY_PAGE_TYPES_HOOK``, so that this app does not need to know the news app.
    """
    page_types = [model for types in hooks.get_hooks(STORY_PAGE_TYPES_HOOK) for model in types()]
    if not page_types:
        return []
    page_type = ContentType.objects.get_for_model(Page)
    referring = {
        int(object_id)
        for object_id in ReferenceIndex.get_references_to(petition)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
        if object_id.isdigit()
    }
    referring.discard(petition.pk)
    if not referring:
        return []
    stories = (
        Page.objects.live()
        .public()
        .type(*page_types)
        .filter(pk__in=referring)
        .order_by(F("first_published_at").desc(nulls_last=True), "-pk")
    )
    return list(stories.specific()[:limit])


def petition_share_card(*, petition: PetitionPage, site_settings: SiteSettings) -> ShareCard:
    """What the petition's generated share picture shows (see ``share_card``)."""
    return ShareCard(
        title=petition.title,
        organiser=petition.organiser_name,
        site_name=site_settings.organisation_name,
        eyebrow=_("Petition"),
        organiser_line=_("Started by %(organiser)s") % {"organiser": petition.organiser_name},
        brand_colour=site_settings.brand_colour,
        accent_colour=site_settings.accent_colour,
    )


def signature_list_for_admin() -> QuerySet[Signature]:
    """Every signature with its petition, for the organisers' signature list."""
    return Signature.objects.select_related("petition", "paper_sheet")


def petition_list_for_admin() -> QuerySet[PetitionPage]:
    """Every petition, drafts included, newest first, for organisers."""
    return PetitionPage.objects.order_by("-created_at")


# Support by area


class AreaCount(NamedTuple):
    """One row of a breakdown: an area (or "no postcode given"), its signatures and share.

    A named tuple, as thousands of them are cached and read back on busy pages.
    """

    code: str
    name: str
    count: int
    share: float  # percent of the petition's counted signatures
    located: bool = True  # False for the "postcode not found" and "no postcode given" rows


class AreaShare(NamedTuple):
    """How many counted signatures come from inside one area (the petition's target)."""

    code: str
    name: str
    count: int
    total: int
    share: float  # percent


@dataclass(frozen=True)
class SupportBreakdown:
    total: int
    by_ward: list[AreaCount]
    by_constituency: list[AreaCount]
    by_local_authority: list[AreaCount]
    inside_target: AreaShare | None

    def main_local_authority(self) -> str:
        """The code of the council area most signers live in ("" when none is known)."""
        known = [(row.count, row.code) for row in self.by_local_authority if row.located]
        return max(known)[1] if known else ""


def _percent(count: int, total: int) -> float:
    return count * 100 / total if total else 0.0


def _names(model: type[Model], codes: Iterable[str]) -> dict[str, str]:
    """Names of the areas with ``codes``; past a few hundred, reading the whole table (a
    few thousand short rows at most) is quicker than a long ``IN (...)``."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    if len(wanted) > 200:
        rows = model.objects.values_list("pk", "name").iterator(chunk_size=5000)
        return {code: name for code, name in rows if code in wanted}
    return dict(model.objects.filter(pk__in=wanted).values_list("pk", "name"))


def _area_rows(
    counts: Counter[str], names: dict[str, str], *, total: int, no_postcode: int
) -> list[AreaCount]:
    """Named areas by count (largest first), then signatures that could not be placed."""
    unknown = _("Unknown (%(code)s)")
    rows = [
        AreaCount(
            code=code,
            name=names.get(code) or unknown % {"code": code},
            count=count,
            share=_percent(count, total),
        )
        for code, count in counts.items()
        if code and count
    ]
    rows.sort(key=lambda row: (-row.count, row.name, row.code))
    unplaced = counts.get("", 0)
    no_postcode = min(no_postcode, unplaced)
    for count, label in (
        (unplaced - no_postcode, _("Postcode not found")),
        (no_postcode, _("No postcode given")),
    ):
        if count:
            rows.append(
                AreaCount(
                    code="", name=label, count=count, share=_percent(count, total), located=False
                )
            )
    return rows


def _breakdown_cache_key(petition: PetitionPage) -> str:
    return f"petitions:breakdown:v2:{petition.pk}:{petition.target_local_authority_id or ''}"


def _breakdown_build(petition: PetitionPage) -> SupportBreakdown:
    counted = Signature.objects.filter(petition=petition, state=SignatureState.COUNTED)
    # One GROUP BY over the covering index (petition, state, ward, constituency, council).
    groups = list(
        counted.order_by()
        .values_list("ward_code", "constituency_code", "local_authority_code")
        .annotate(signatures=Count("*"))
    )
    by_ward: Counter[str] = Counter()
    by_constituency: Counter[str] = Counter()
    by_authority: Counter[str] = Counter()
    for ward, constituency, authority, signatures in groups:
        by_ward[ward] += signatures
        by_constituency[constituency] += signatures
        by_authority[authority] += signatures
    total = sum(by_ward.values())
    # Signatures without a postcode have no area; those with a postcode the table lacks
    # have none either. Only the rows without a ward need reading to tell them apart.
    no_postcode = counted.filter(ward_code="", postcode="").count() if by_ward.get("") else 0

    ward_names = _names(Ward, by_ward)
    missing = [code for code in by_ward if code and code not in ward_names]
    ward_names.update(_names(WardBoundary, missing))

    inside = None
    target = petition.target_local_authority
    if target is not None:
        count = by_authority.get(target.code, 0)
        inside = AreaShare(
            code=target.code,
            name=target.name,
            count=count,
            total=total,
            share=_percent(count, total),
        )
    return SupportBreakdown(
        total=total,
        by_ward=_area_rows(by_ward, ward_names, total=total, no_postcode=no_postcode),
        by_constituency=_area_rows(
            by_constituency,
            _names(Constituency, by_constituency),
            total=total,
            no_postcode=no_postcode,
        ),
        by_local_authority=_area_rows(
            by_authority,
            _names(LocalAuthority, by_authority),
            total=total,
            no_postcode=no_postcode,
        ),
        inside_target=inside,
    )


def signature_breakdown(*, petition: PetitionPage) -> SupportBreakdown:
    """Where a petition's counted signatures come from, aggregated in the database.

    Cached for ``BREAKDOWN_CACHE_SECONDS`` (30 by default) per petition, so that a busy
    petition page groups its signatures about that often per cache, by one worker at a time.
    """
    return cached_briefly(
        _breakdown_cache_key(petition),
        settings.UNDERSIGNED_BREAKDOWN_CACHE_SECONDS,
        lambda: _breakdown_build(petition),
    )


def signature_breakdown_forget(*, petition: PetitionPage) -> None:
    cached_forget(_breakdown_cache_key(petition))


def _ward_map_cache_key(petition: PetitionPage) -> str:
    return f"petitions:ward-map:v1:{petition.pk}:{petition.target_local_authority_id or ''}"


def _ward_map_build(petition: PetitionPage) -> WardMap | None:
    breakdown = signature_breakdown(petition=petition)
    located = [row for row in breakdown.by_ward if row.located]
    return ward_map(
        area_code=petition.target_local_authority_id or breakdown.main_local_authority(),
        counts={row.code: row.count for row in located},
        names={row.code: row.name for row in located},
        total=breakdown.total,
    )


def petition_ward_map(*, petition: PetitionPage) -> WardMap | None:
    """The support map of the petition's target council area (or, with no target, of the area
    most signers live in), or ``None`` when no boundaries are stored for it. Cached briefly."""
    found = cached_briefly(
        _ward_map_cache_key(petition),
        settings.UNDERSIGNED_BREAKDOWN_CACHE_SECONDS,
        lambda: _ward_map_build(petition) or False,
    )
    return found or None


def petition_ward_map_forget(*, petition: PetitionPage) -> None:
    cached_forget(_ward_map_cache_key(petition))


def petition_counts_forget(*, petition: PetitionPage) -> None:
    """Drop every cached count of ``petition``: the count, where its signers live and the
    support map drawn from that, so that pages count again at once (after moderation or an
    erasure) instead of when the caches run out."""
    # The caches are kept per target council, which a bare PetitionPage(pk=...) lacks.
    target = (
        PetitionPage.objects.filter(pk=petition.pk)
        .values_list("target_local_authority_id", flat=True)
        .first()
    )
    stored = PetitionPage(pk=petition.pk, target_local_authority_id=target)
    signature_count_forget(petition=stored)
    signature_breakdown_forget(petition=stored)
    petition_ward_map_forget(petition=stored)


def petition_ward_map_svg(*, petition: PetitionPage) -> SafeString:
    """The support map as SVG markup, safe to insert in a page or a PDF ("" when there are no
    boundaries to draw)."""
    found = petition_ward_map(petition=petition)
    return found.svg if found else mark_safe("")


def signature_counts_by_ward(*, petition: PetitionPage) -> list[AreaCount]:
    """Counted signatures per ward, most first, with their share of the total; then those
    whose postcode was not found and those given without a postcode."""
    return signature_breakdown(petition=petition).by_ward


def signature_counts_by_constituency(*, petition: PetitionPage) -> list[AreaCount]:
    """Counted signatures per parliamentary constituency, as for wards."""
    return signature_breakdown(petition=petition).by_constituency


def signature_counts_by_local_authority(*, petition: PetitionPage) -> list[AreaCount]:
    """Counted signatures per council area (local authority), as for wards."""
    return signature_breakdown(petition=petition).by_local_authority


def signature_share_in_area(*, petition: PetitionPage) -> AreaShare | None:
    """Counted signatures from inside the petition's target council area (``None`` if unset)."""
    return signature_breakdown(petition=petition).inside_target
