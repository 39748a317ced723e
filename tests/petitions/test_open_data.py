"""Open data: /petitions.json, /petitions.csv and /petitions/<slug>.json.

The main path is walked over real HTTP against a live server (paging by the links the answers
give, CSV read with the csv module, conditional GETs, CORS); edge cases go through the test
client.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.factories import (
    ConstituencyFactory,
    LocalAuthorityFactory,
    PaperSignatureFactory,
    PetitionPageFactory,
    SignatureFactory,
    WardFactory,
    site_home,
)
from tests.petitions.test_sign_abuse import abuse_settings
from undersigned.petitions.models import PetitionPage, PetitionState, SignatureState
from undersigned.petitions.open_data import RECORD_FIELDS
from undersigned.speed.caching import forget_everything

live = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIGNER_NAMES = ("Philippa Quenby", "Oswin Tregarthen", "Marisol Ashdown-Pike")
SIGNER_EMAILS = ("philippa@private.example", "oswin@private.example", "marisol@private.example")
SIGNER_ADDRESSES = ("4 Hidden Mews", "Flat 9, Secret Court")
SIGNER_POSTCODES = ("EB1 1AB", "EB1 2CD", "EB2 3EF", "ZZ9 9ZZ")
PERSONAL = (*SIGNER_NAMES, *SIGNER_EMAILS, *SIGNER_ADDRESSES, *SIGNER_POSTCODES, "private.example")


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self):
        return json.loads(self.body)


def fetch(url: str, headers: dict[str, str] | None = None) -> Answer:
    """GET ``url`` over HTTP, as any program would; a 3xx/4xx is an answer, not an error."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def link_next(headers: Message) -> str | None:
    found = re.search(r'<([^>]+)>;\s*rel="next"', headers.get("Link", ""))
    return found[1] if found else None


def as_csv(value: object) -> str:
    """A JSON value as the CSV writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@pytest.fixture
def small_pages(settings):
    settings.UNDERSIGNED_OPEN_DATA_PAGE_SIZE = 2
    return settings


@pytest.fixture
def petitions(transactional_db) -> dict[str, PetitionPage]:
    """Five published petitions (two open, one past its closing date, one closed, one handed
    in), created a day apart, newest last; and a draft."""
    site_home()
    now = timezone.now()
    made = {
        "handed-in": PetitionPageFactory(
            title="Handed in",
            state=PetitionState.HANDED_IN,
            created_at=now - timedelta(days=5),
        ),
        "closed": PetitionPageFactory(
            title="Closed =SUM(A1)", state=PetitionState.CLOSED, created_at=now - timedelta(days=4)
        ),
        "old-open": PetitionPageFactory(title="Old open", created_at=now - timedelta(days=3)),
        "past-its-date": PetitionPageFactory(
            title="Past its date",
            opened_at=now - timedelta(days=30),
            closes_at=now - timedelta(minutes=1),
            created_at=now - timedelta(days=2),
        ),
        "new-open": PetitionPageFactory(title="Café closure", created_at=now - timedelta(days=1)),
    }
    PetitionPageFactory(title="A draft", live=False, created_at=now)
    return made


@pytest.fixture
def areas(transactional_db) -> dict:
    """Two councils: Northfield and Riverside wards in one, Hilltop in the other; two
    constituencies."""
    east = LocalAuthorityFactory(code="E09000901", name="East Borough")
    west = LocalAuthorityFactory(code="E09000902", name="West Borough")
    return {
        "east": east,
        "west": west,
        "north": ConstituencyFactory(code="E14000901", name="Borough North"),
        "south": ConstituencyFactory(code="E14000902", name="Borough South"),
        "northfield": WardFactory(code="E05000901", name="Northfield", local_authority=east),
        "riverside": WardFactory(code="E05000902", name="Riverside", local_authority=east),
        "hilltop": WardFactory(code="E05000903", name="Hilltop", local_authority=west),
    }


def signatures_in(petition, ward, constituency, times: int, *, postcode: str) -> None:
    for n in range(times):
        SignatureFactory(
            petition=petition,
            name=SIGNER_NAMES[n % len(SIGNER_NAMES)],
            email=f"{n}.{ward.code}.{SIGNER_EMAILS[n % len(SIGNER_EMAILS)]}",
            address=SIGNER_ADDRESSES[n % len(SIGNER_ADDRESSES)],
            postcode=postcode,
            ward_code=ward.code,
            constituency_code=constituency.code,
            local_authority_code=ward.local_authority_id,
        )


@pytest.fixture
def signed(petitions, areas) -> PetitionPage:
    """The newest petition: 3 signatures from Northfield, 2 from Riverside, 1 from Hilltop, one
    with a postcode that was not found, one without a postcode, and one not counted."""
    petition = petitions["new-open"]
    signatures_in(petition, areas["northfield"], areas["north"], 3, postcode="EB1 1AB")
    signatures_in(petition, areas["riverside"], areas["north"], 2, postcode="EB1 2CD")
    signatures_in(petition, areas["hilltop"], areas["south"], 1, postcode="EB2 3EF")
    SignatureFactory(petition=petition, name=SIGNER_NAMES[0], postcode="ZZ9 9ZZ")
    SignatureFactory(petition=petition, name=SIGNER_NAMES[1], postcode="", address="4 Hidden Mews")
    SignatureFactory(petition=petition, name=SIGNER_NAMES[2], state=SignatureState.INVALIDATED)
    return petition


# Over HTTP


@live
def test_the_json_list_pages_through_every_published_petition_newest_first(
    live_server, small_pages, petitions, signed
):
    url, pages, titles = f"{live_server.url}/petitions.json", 0, []
    while url:
        answer = fetch(url)
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "application/json"
        data = answer.json()
        assert data["count"] == 5
        assert len(data["results"]) <= 2
        titles += [record["title"] for record in data["results"]]
        url, pages = data["next"], pages + 1
        if url:
            assert url.startswith(live_server.url)
            assert link_next(answer.headers) == url

    assert pages == 3
    assert titles == ["Café closure", "Past its date", "Old open", "Closed =SUM(A1)", "Handed in"]
    last = fetch(f"{live_server.url}/petitions.json?page=3").json()
    assert last["next"] is None
    assert last["previous"] == f"{live_server.url}/petitions.json?page=2"
    newest = fetch(f"{live_server.url}/petitions.json").json()["results"][0]
    assert set(newest) == set(RECORD_FIELDS)
    assert newest["signature_count"] == 8
    assert newest["state"] == "open"
    assert newest["url"] == live_server.url + signed.url


@live
def test_the_list_filtered_by_state_reads_a_petition_past_its_date_as_closed(
    live_server, small_pages, petitions
):
    def titles(url: str) -> list[str]:
        found = []
        while url:
            data = fetch(url).json()
            found += [(record["title"], record["state"]) for record in data["results"]]
            url = data["next"]
        return found

    assert titles(f"{live_server.url}/petitions.json?state=closed") == [
        ("Past its date", "closed"),
        ("Closed =SUM(A1)", "closed"),
    ]
    assert titles(f"{live_server.url}/petitions.json?state=open") == [
        ("Café closure", "open"),
        ("Old open", "open"),
    ]
    assert titles(f"{live_server.url}/petitions.json?state=handed_in") == [
        ("Handed in", "handed_in")
    ]
    # The filter is kept in the links from page to page.
    first = fetch(f"{live_server.url}/petitions.json?state=closed")
    assert first.json()["next"] is None
    assert fetch(f"{live_server.url}/petitions.json?state=open&page=1").json()["count"] == 2


@live
def test_the_csv_pages_by_its_link_header_and_reads_as_the_json(
    live_server, small_pages, petitions, signed
):
    url, rows = f"{live_server.url}/petitions.csv", []
    while url:
        answer = fetch(url)
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        reader = csv.reader(io.StringIO(answer.body.decode("utf-8-sig"), newline=""))
        assert next(reader) == list(RECORD_FIELDS)
        rows += list(reader)
        url = link_next(answer.headers)

    by_title = {row[0]: dict(zip(RECORD_FIELDS, row, strict=True)) for row in rows}
    assert list(by_title) == [
        "Café closure",
        "Past its date",
        "Old open",
        "Closed '=SUM(A1)",  # a formula in a title is disarmed
        "Handed in",
    ]
    newest = fetch(f"{live_server.url}/petitions.json").json()["results"][0]
    assert by_title["Café closure"] == {name: as_csv(value) for name, value in newest.items()}


@live
def test_a_petitions_json_counts_its_signatures_by_ward_constituency_and_council(
    live_server, signed
):
    answer = fetch(f"{live_server.url}/petitions/{signed.slug}.json")

    assert answer.status == 200
    data = answer.json()
    assert data["signature_count"] == 8
    unplaced = [
        {"code": None, "name": "Postcode not found", "count": 1},
        {"code": None, "name": "No postcode given", "count": 1},
    ]
    assert data["signatures_by_ward"] == [
        {"code": "E05000901", "name": "Northfield", "count": 3},
        {"code": "E05000902", "name": "Riverside", "count": 2},
        {"code": "E05000903", "name": "Hilltop", "count": 1},
        *unplaced,
    ]
    assert data["signatures_by_constituency"] == [
        {"code": "E14000901", "name": "Borough North", "count": 5},
        {"code": "E14000902", "name": "Borough South", "count": 1},
        *unplaced,
    ]
    assert data["signatures_by_local_authority"] == [
        {"code": "E09000901", "name": "East Borough", "count": 5},
        {"code": "E09000902", "name": "West Borough", "count": 1},
        *unplaced,
    ]


@live
def test_no_answer_holds_a_signers_name_address_postcode_or_email(
    live_server, small_pages, petitions, signed
):
    addresses = [
        f"/petitions/{signed.slug}.json",
        "/petitions.json",
        "/petitions.json?page=2",
        "/petitions.json?page=3",
        "/petitions.csv",
        "/petitions.csv?page=2",
        "/petitions.csv?page=3",
    ]
    for address in addresses:
        answer = fetch(live_server.url + address)
        assert answer.status == 200
        body = answer.body.decode("utf-8-sig")
        for personal in PERSONAL:
            assert personal not in body, (address, personal)


@live
def test_a_conditional_get_is_answered_not_modified_with_the_cors_header(
    live_server, petitions, signed
):
    for address in ("/petitions.json", "/petitions.csv", f"/petitions/{signed.slug}.json"):
        url = live_server.url + address
        first = fetch(url)
        assert first.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in first.headers["Access-Control-Expose-Headers"]
        cache_control = {part.strip() for part in first.headers["Cache-Control"].split(",")}
        assert cache_control == {"public", "max-age=10", "stale-while-revalidate=60"}
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

        by_etag = fetch(url, {"If-None-Match": etag})
        by_date = fetch(url, {"If-Modified-Since": modified})

        for answer in (by_etag, by_date):
            assert answer.status == 304, address
            assert answer.body == b""
            assert answer.headers["ETag"] == etag
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert fetch(url, {"If-None-Match": '"something-else"'}).status == 200


@live
def test_a_new_signature_changes_the_etag_so_the_held_copy_is_sent_again(live_server, signed):
    url = f"{live_server.url}/petitions/{signed.slug}.json"
    held = fetch(url)
    SignatureFactory(petition=signed)
    forget_everything()  # the count and body kept for seconds (with production's caches) run out

    again = fetch(url, {"If-None-Match": held.headers["ETag"]})

    assert again.status == 200
    assert again.json()["signature_count"] == held.json()["signature_count"] + 1
    assert again.headers["ETag"] != held.headers["ETag"]


@live
def test_a_cors_preflight_is_answered_for_any_origin(live_server, petitions):
    where = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    connection.request(
        "OPTIONS",
        "/petitions.json",
        headers={
            "Origin": "https://journalist.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()

    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


# Edge cases, through the test client


@pytest.mark.django_db
def test_an_unknown_state_is_a_400_naming_the_states_there_are(client, home):
    for address in ("/petitions.json?state=pending", "/petitions.csv?state=OPEN"):
        response = client.get(address)

        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response.json()["allowed_states"] == ["open", "closed", "handed_in"]
        assert "no petition state" in response.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["0", "000", "-1", "two", "1.5", "²", " 1"])
def test_a_page_that_is_not_a_whole_number_from_one_is_a_400(client, petition, page):
    response = client.get("/petitions.json", {"page": page})

    assert response.status_code == 400
    assert response.json()["error"] == "The page must be a whole number from 1."


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["2", "99999999999999999999999", "9" * 5000])
def test_a_page_number_past_the_end_however_long_is_a_404(client, petition, page):
    response = client.get("/petitions.json", {"page": page})

    assert response.status_code == 404
    assert response.json()["error"].startswith("There is no page ")


@pytest.mark.django_db
def test_leading_zeros_in_a_page_number_are_the_same_page(client, petition):
    assert client.get("/petitions.json?page=001").json()["count"] == 1


@pytest.mark.django_db
def test_a_page_past_the_end_is_a_404_in_json(client, petition, settings):
    settings.UNDERSIGNED_OPEN_DATA_PAGE_SIZE = 1

    assert client.get("/petitions.json?page=1").status_code == 200
    for address in ("/petitions.json?page=2", "/petitions.csv?page=2"):
        response = client.get(address)
        assert response.status_code == 404
        assert response.json() == {"error": "There is no page 2 of this list."}


@pytest.mark.django_db
def test_with_no_petition_the_list_is_one_empty_page(client, home):
    data = client.get("/petitions.json").json()

    assert data == {"count": 0, "next": None, "previous": None, "results": []}
    assert client.get("/petitions.json?state=handed_in").json()["count"] == 0
    assert client.get("/petitions.csv").content.decode("utf-8-sig").strip() == ",".join(
        RECORD_FIELDS
    )


@pytest.mark.django_db
def test_drafts_and_private_petitions_are_not_open_data(client, home):
    shown = PetitionPageFactory(title="Shown")
    draft = PetitionPageFactory(title="Draft", live=False)
    private = PetitionPageFactory(title="Behind a password")
    private.view_restrictions.create(restriction_type="password", password="secret")

    titles = [record["title"] for record in client.get("/petitions.json").json()["results"]]

    assert titles == [shown.title]
    assert "Draft" not in client.get("/petitions.csv").content.decode()
    for hidden in (draft, private):
        response = client.get(f"/petitions/{hidden.slug}.json")
        assert response.status_code == 404
        assert response.json()["error"]


@pytest.mark.django_db
def test_paused_breakdowns_leave_the_area_lists_null(client, petition):
    SignatureFactory(petition=petition)
    assert client.get(f"/petitions/{petition.slug}.json").json()["signatures_by_ward"]

    abuse_settings(breakdowns_paused=True)
    forget_everything()  # what was kept for a few seconds (with production's caches) runs out
    data = client.get(f"/petitions/{petition.slug}.json").json()

    assert data["signature_count"] == 1
    for name in ("ward", "constituency", "local_authority"):
        assert data[f"signatures_by_{name}"] is None


@pytest.mark.django_db
def test_before_the_first_signature_the_area_lists_are_empty(client, petition):
    data = client.get(f"/petitions/{petition.slug}.json").json()

    assert data["signatures_by_ward"] == []
    assert data["signatures_by_local_authority"] == []


@pytest.mark.django_db
def test_the_list_and_the_petitions_own_json_give_the_same_record(client, petition):
    SignatureFactory(petition=petition)
    PaperSignatureFactory(petition=petition)

    listed = client.get("/petitions.json").json()["results"][0]
    own = client.get(f"/petitions/{petition.slug}.json").json()

    assert listed == {name: own[name] for name in RECORD_FIELDS}
    assert (listed["signature_count"], listed["paper_signature_count"]) == (2, 1)


@pytest.mark.django_db
def test_a_page_of_petitions_costs_the_same_queries_however_many_it_holds(
    client, home, django_assert_max_num_queries
):
    def queries_for_the_list() -> int:
        cache.clear()
        with django_assert_max_num_queries(50) as captured:
            assert client.get("/petitions.json").status_code == 200
        return len(captured)

    for _ in range(2):
        SignatureFactory(petition=PetitionPageFactory())
    few = queries_for_the_list()
    for _ in range(20):
        PaperSignatureFactory(petition=PetitionPageFactory())

    assert queries_for_the_list() == few


@pytest.mark.django_db
def test_a_spike_of_reads_costs_no_database_work_while_the_body_is_kept(
    client, petition, settings, django_assert_num_queries
):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 60
    signed_client = Client()
    signed_client.cookies["sessionid"] = "someone"  # passes the page cache, not ours
    first = signed_client.get("/petitions.json")
    SignatureFactory(petition=petition)

    with django_assert_num_queries(0):
        again = signed_client.get("/petitions.json")

    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_a_copy_from_the_page_cache_answers_a_conditional_get_with_the_cors_header(
    client, petition, settings
):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 60
    first = client.get("/petitions.json")

    again = Client().get("/petitions.json", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
def test_writing_to_the_open_data_is_refused(client, petition):
    for address in ("/petitions.json", "/petitions.csv", f"/petitions/{petition.slug}.json"):
        response = client.post(address, {})
        assert response.status_code == 405
        assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_the_list_and_the_petitions_section_page_keep_apart_in_the_page_and_route_caches(
    client, petition, settings
):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 60
    settings.UNDERSIGNED_ROUTE_CACHE_SECONDS = 60
    section = petition.get_parent().url
    assert section == "/petitions/"

    for _ in range(2):
        page = client.get(section)
        listing = client.get("/petitions.json")
        own = client.get(f"/petitions/{petition.slug}.json")

        assert page["Content-Type"].startswith("text/html")
        assert petition.title in page.content.decode()
        assert listing.json()["results"][0]["title"] == petition.title
        assert own.json()["title"] == petition.title
