"""Open data: every published petition as JSON and CSV, and one petition with its support by
area as JSON. Public, without a key, readable from any origin, and cacheable like the pages.

- ``GET /petitions.json`` and ``/petitions.csv``: live petitions, newest first, ``?state=``
  (a :class:`PetitionState` value) and ``?page=`` (``UNDERSIGNED_OPEN_DATA_PAGE_SIZE`` a page).
  The JSON is ``{"count", "next", "previous", "results"}`` with absolute links; the CSV
  (UTF-8 with a byte order mark, for spreadsheets; cells disarmed as every export's are) has
  one header row of the same field names, and its neighbouring pages in a ``Link`` header
  (``rel="next"``, ``rel="prev"``; the JSON answer carries it too).
- ``GET /petitions/<slug>.json``: the same record, plus ``signatures_by_ward``,
  ``signatures_by_constituency`` and ``signatures_by_local_authority``, lists of
  ``{"code", "name", "count"}`` from the breakdown the petition's page shows. Signatures that
  could not be placed are rows with ``code: null`` ("Postcode not found", "No postcode given");
  while breakdowns are paused (abuse settings) the three lists are ``null``.

Counts lag as on the page: ``signature_count`` by up to ``UNDERSIGNED_COUNT_CACHE_SECONDS``,
the areas by up to ``UNDERSIGNED_BREAKDOWN_CACHE_SECONDS``, both plus the time a body is kept.

Every answer has an ``ETag`` (of its body), a ``Last-Modified`` (when that body was first
built), ``Cache-Control: public`` with ``max-age`` and ``stale-while-revalidate`` from the
settings, and ``Access-Control-Allow-Origin: *``; a conditional GET gets 304. Each body is
kept in the shared cache for ``UNDERSIGNED_PAGE_CACHE_SECONDS``, so that a spike of reads
costs no database work. Bad input is a JSON ``{"error": ...}`` with 400 (or 404 for a page
past the end or a petition that is not published).
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _

from undersigned.abuse import limits
from undersigned.petitions import selectors
from undersigned.petitions.models import PetitionPage, PetitionState
from undersigned.petitions.selectors import AreaCount
from undersigned.site.spreadsheet import SafeCsvWriter
from undersigned.speed.caching import cached_briefly

# The fields of one petition, in the CSV's column order.
RECORD_FIELDS = (
    "title",
    "url",
    "statement",
    "target",
    "organiser",
    "state",
    "accepting_signatures",
    "goal",
    "signature_count",
    "paper_signature_count",
    "created_at",
    "opened_at",
    "closed_at",
    "closes_at",
)
METHODS = ["GET", "HEAD", "OPTIONS"]
# How long a body's first-built time is remembered (a forgotten one only makes it later).
CHANGED_AT_MEMORY_SECONDS = 24 * 3600
# Kept by a browser for a day: the answer to a preflight never changes.
PREFLIGHT_MAX_AGE = 24 * 3600


def petition_record(
    petition: PetitionPage, *, request: HttpRequest, signature_count: int, paper_count: int
) -> dict:
    """One petition as the open data shows it, in the list and on its own alike."""
    status = petition.status(now=timezone.now())
    closed_at = petition.closed_at
    if closed_at is None and status != PetitionState.OPEN:
        closed_at = petition.closes_at  # closed by its date a moment ago
    return {
        "title": petition.title,
        "url": request.build_absolute_uri(petition.get_url(request)),
        "statement": petition.statement,
        "target": petition.target,
        "organiser": petition.organiser_name,
        "state": status.value,
        "accepting_signatures": status == PetitionState.OPEN,
        "goal": petition.signature_goal,
        "signature_count": signature_count,
        # Of signature_count, those collected on paper and entered by the organisers.
        "paper_signature_count": paper_count,
        "created_at": petition.created_at,
        "opened_at": petition.opened_at,
        "closed_at": closed_at,
        "closes_at": petition.closes_at,
    }


def _areas(rows: list[AreaCount]) -> list[dict]:
    return [
        {"code": row.code if row.located else None, "name": row.name, "count": row.count}
        for row in rows
    ]


def petition_support_by_area(petition: PetitionPage) -> dict[str, list[dict] | None]:
    """Where the petition's signers live, by area (counts only), as its page shows it."""
    if limits.breakdowns_paused():
        return dict.fromkeys(
            ("signatures_by_ward", "signatures_by_constituency", "signatures_by_local_authority")
        )
    breakdown = selectors.signature_breakdown(petition=petition)
    return {
        "signatures_by_ward": _areas(breakdown.by_ward),
        "signatures_by_constituency": _areas(breakdown.by_constituency),
        "signatures_by_local_authority": _areas(breakdown.by_local_authority),
    }


# Answers


@dataclass(frozen=True)
class Document:
    """A built answer, as kept in the cache: its body and what its headers are made from."""

    body: bytes
    content_type: str
    etag: str
    changed_at: int  # when this body was first built, in seconds since the epoch
    links: tuple[tuple[str, str], ...] = ()  # (rel, absolute URL)


class NotFound(Exception):
    """What was asked for is not there (kept in the cache briefly, like an answer)."""


def _document(key: str, body: bytes, content_type: str, links=()) -> Document:
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    # The same body as last time keeps its time, so If-Modified-Since still matches.
    changed_key = f"{key}:changed"
    last = cache.get(changed_key)
    changed_at = last[1] if last and last[0] == etag else int(time.time())
    cache.set(changed_key, (etag, changed_at), CHANGED_AT_MEMORY_SECONDS)
    return Document(body, content_type, etag, changed_at, tuple(links))


def _cached_document(
    request: HttpRequest, name: str, build: Callable[[str], Document]
) -> Document | None:
    """``build(key)``, kept for as long as a public page is; ``None`` for :class:`NotFound`.

    The key holds the host and scheme (the links in the body are absolute) and the language
    (the names of unplaced rows are translated)."""
    where = f"{request.scheme}://{request.get_host()}|{translation.get_language()}|{name}"
    key = "petitions:open-data:v1:" + hashlib.sha256(where.encode()).hexdigest()

    def build_or_missing() -> Document | None:
        try:
            return build(key)
        except NotFound:
            return None

    return cached_briefly(key, settings.UNDERSIGNED_PAGE_CACHE_SECONDS, build_or_missing)


def _open_to_all(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Link"
    return response


def _shared_briefly(response: HttpResponse) -> HttpResponse:
    patch_cache_control(
        response,
        public=True,
        max_age=settings.UNDERSIGNED_OPEN_DATA_MAX_AGE,
        stale_while_revalidate=settings.UNDERSIGNED_OPEN_DATA_STALE_SECONDS,
    )
    return response


def _answer(request: HttpRequest, document: Document) -> HttpResponse:
    response = HttpResponse(document.body, content_type=document.content_type)
    response["ETag"] = document.etag
    response["Last-Modified"] = http_date(document.changed_at)
    if document.links:
        response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in document.links)
    _shared_briefly(response)
    response = get_conditional_response(
        request, etag=document.etag, last_modified=document.changed_at, response=response
    )
    return _open_to_all(response)


def _error(status: int, message: str, **details) -> JsonResponse:
    response = JsonResponse(
        {"error": message, **details}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    return _open_to_all(_shared_briefly(response))


def open_data_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Reads only; a CORS preflight (``OPTIONS``) gets the methods and headers it may use."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            del response["Content-Type"]  # there is no body to have a type
            response["Allow"] = ", ".join(METHODS)
            response["Access-Control-Allow-Methods"] = ", ".join(METHODS)
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return _open_to_all(response)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(METHODS)
        return view(request, *args, **kwargs)

    return wrapper


def _json_body(data: dict) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


# One petition


@open_data_view
def petition_json(request: HttpRequest, slug: str) -> HttpResponse:
    """One published petition with its counts by area."""

    def build(key: str) -> Document:
        petition = selectors.petition_get_live(slug=slug)
        if petition is None:
            raise NotFound
        record = petition_record(
            petition,
            request=request,
            signature_count=selectors.signature_count(petition=petition),
            paper_count=selectors.signature_count_paper(petition=petition),
        )
        data = {**record, **petition_support_by_area(petition)}
        return _document(key, _json_body(data), "application/json")

    document = _cached_document(request, f"petition|{slug}", build)
    if document is None:
        return _error(404, _("There is no published petition at this address."))
    return _answer(request, document)


# Every petition


class BadQuery(Exception):
    """The query string asks for something that is not there: the HTTP status, a message
    and what would do."""

    def __init__(self, status: int, message: str, **details) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


def _no_such_page(page: object) -> BadQuery:
    return BadQuery(404, _("There is no page %(page)s of this list.") % {"page": page})


# More digits than this is a page past the end of any list (and no number to parse).
PAGE_DIGITS_MAX = 9


@dataclass(frozen=True)
class ListQuery:
    """What ``?state=`` and ``?page=`` ask for, checked."""

    status: PetitionState | None
    page: int

    @classmethod
    def of(cls, request: HttpRequest) -> ListQuery:
        state = request.GET.get("state", "")
        allowed = [choice.value for choice in PetitionState]
        if state and state not in allowed:
            raise BadQuery(
                400,
                _("There is no petition state “%(state)s”.") % {"state": state},
                allowed_states=allowed,
            )
        page = request.GET.get("page", "") or "1"
        if not (page.isascii() and page.isdigit()) or not page.strip("0"):
            raise BadQuery(400, _("The page must be a whole number from 1."))
        if len(page.lstrip("0")) > PAGE_DIGITS_MAX:
            raise _no_such_page(page.lstrip("0"))
        return cls(status=PetitionState(state) if state else None, page=int(page))

    def url(self, request: HttpRequest, name: str, page: int) -> str:
        query = {"state": self.status.value} if self.status else {}
        if page > 1:
            query["page"] = page
        address = reverse(name)
        return request.build_absolute_uri(f"{address}?{urlencode(query)}" if query else address)


@dataclass(frozen=True)
class ListPage:
    """One page of the list of petitions, and the addresses of its neighbours."""

    count: int
    records: list[dict]
    next_url: str | None
    previous_url: str | None

    @property
    def links(self) -> list[tuple[str, str]]:
        return [
            (rel, url) for rel, url in (("next", self.next_url), ("prev", self.previous_url)) if url
        ]


def _petition_page(request: HttpRequest, query: ListQuery, url_name: str) -> ListPage:
    paginator = Paginator(
        selectors.petition_list_public(status=query.status),
        settings.UNDERSIGNED_OPEN_DATA_PAGE_SIZE,
    )
    try:
        page = paginator.page(query.page)
    except EmptyPage:
        raise NotFound from None
    petitions = list(page.object_list)
    counts = selectors.signature_counts(petitions=petitions)
    paper = selectors.signature_counts_paper(petitions=petitions)
    return ListPage(
        count=paginator.count,
        records=[
            petition_record(
                petition,
                request=request,
                signature_count=counts[petition.pk],
                paper_count=paper[petition.pk],
            )
            for petition in petitions
        ],
        next_url=query.url(request, url_name, page.number + 1) if page.has_next() else None,
        previous_url=query.url(request, url_name, page.number - 1) if page.has_previous() else None,
    )


def _list_view(
    request: HttpRequest, *, url_name: str, render: Callable[[ListPage], tuple[bytes, str]]
) -> HttpResponse:
    try:
        query = ListQuery.of(request)
    except BadQuery as bad:
        return _error(bad.status, bad.message, **bad.details)

    def build(key: str) -> Document:
        listing = _petition_page(request, query, url_name)
        body, content_type = render(listing)
        return _document(key, body, content_type, listing.links)

    state = query.status.value if query.status else ""
    document = _cached_document(request, f"{url_name}|{state}|{query.page}", build)
    if document is None:
        missing = _no_such_page(query.page)
        return _error(missing.status, missing.message)
    return _answer(request, document)


def _list_as_json(listing: ListPage) -> tuple[bytes, str]:
    data = {
        "count": listing.count,
        "next": listing.next_url,
        "previous": listing.previous_url,
        "results": listing.records,
    }
    return _json_body(data), "application/json"


def _csv_cell(value: object) -> object:
    """As the JSON writes it: dates in ISO 8601, ``true``/``false``, nothing for null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (str, int)):
        return value
    return DjangoJSONEncoder().default(value)


def _list_as_csv(listing: ListPage) -> tuple[bytes, str]:
    text = io.StringIO(newline="")
    writer = SafeCsvWriter(text)
    writer.writerow(RECORD_FIELDS)
    writer.writerows(
        [_csv_cell(record[name]) for name in RECORD_FIELDS] for record in listing.records
    )
    # With a byte order mark, so that spreadsheets read accented names correctly.
    return text.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"


@open_data_view
def petition_list_json(request: HttpRequest) -> HttpResponse:
    """Published petitions, newest first, a page at a time, as JSON."""
    return _list_view(request, url_name="petitions:list_json", render=_list_as_json)


@open_data_view
def petition_list_csv(request: HttpRequest) -> HttpResponse:
    """Published petitions, newest first, a page at a time, as CSV."""
    return _list_view(request, url_name="petitions:list_csv", render=_list_as_csv)
