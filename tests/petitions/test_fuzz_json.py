"""Fuzzing ``/petitions/<slug>.json``: any slug, query, Accept header or method gets a
deliberate answer (JSON for a live petition, 404 for anything else, 405 for a write), never a
server error, and never anything a signer typed."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.factories import PetitionPageFactory, SignatureFactory, site_home
from undersigned.petitions.models import PetitionState

pytestmark = pytest.mark.django_db

SIGNERS = [
    {
        "name": "Zebedee Quuxworth",
        "email": "zebedee@private.example",
        "address": "1 Secret Lane\nHiddenville",
        "postcode": "SW1A 1AA",
    },
    {
        "name": "<b>Marged</b> Ffrwd-Llwyd",
        "email": "marged@private.example",
        "address": "Tŷ Cudd, Heol y Bont",
        "postcode": "",
    },
]
PERSONAL = [value for signer in SIGNERS for value in signer.values() if value]
FIELDS = {
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
    "signatures_by_ward",
    "signatures_by_constituency",
    "signatures_by_local_authority",
}


@pytest.fixture
def petitions(db) -> dict[str, PetitionPageFactory]:
    """Live petitions by slug (one with a Unicode slug, one closed), and an unpublished one."""
    site_home()
    live = [
        PetitionPageFactory(slug="keep-the-library-open"),
        PetitionPageFactory(title="Save the café", slug="save-the-café"),
        PetitionPageFactory(slug="closed-petition", state=PetitionState.CLOSED),
    ]
    for petition in live:
        for signer in SIGNERS:
            SignatureFactory(petition=petition, **signer)
    hidden = PetitionPageFactory(slug="hidden-petition", live=False)
    SignatureFactory(petition=hidden, **SIGNERS[0])
    return {petition.slug: petition for petition in live}


LIVE_SLUGS = ["keep-the-library-open", "save-the-café", "closed-petition"]
slugs = st.one_of(
    # The live ones (listed thrice: one_of() picks each branch equally often), near misses.
    st.sampled_from(LIVE_SLUGS),
    st.sampled_from(LIVE_SLUGS),
    st.sampled_from(LIVE_SLUGS),
    st.sampled_from(LIVE_SLUGS).flatmap(
        lambda slug: st.sampled_from(
            [slug, slug.upper(), slug + "-", " " + slug, slug + "\x00", slug[:-1], slug + "/"]
        )
    ),
    st.just("hidden-petition"),
    st.sampled_from(["..", ".", "...", "%00", "\x00", "%2e%2e", "../admin", "a/b", "", "\u202e"]),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.from_regex(r"\A[-\w]{1,60}\Z"),
    st.integers(1_000, 20_000).map(lambda n: "a" * n),
)
queries = st.one_of(
    st.just(""),
    st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=4).map(urlencode),
    st.sampled_from(["callback=alert", "format=xml", "%ZZ", "a=%00", "&&&", "=" * 50]),
)
accepts = st.sampled_from(
    ["", "application/json", "text/html", "*/*", "application/xml;q=0.9", "\x7f", "é/ü"]
)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def json_url(slug: str, *, escape: bool = True) -> str:
    return "/petitions/" + (quote(slug, safe="") if escape else slug) + ".json"


def assert_public_json(response, petition) -> dict:
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert set(data) == FIELDS
    assert data["title"] == petition.title
    body = response.content.decode()
    for value in PERSONAL:
        assert value not in body
    assert "private.example" not in body
    return data


@fuzz(150)
@given(
    slug=slugs,
    escape=st.booleans(),
    query=queries,
    accept=accepts,
    method=st.sampled_from(["get", "get", "get", "head"]),
)
def test_any_read_of_the_json_is_the_petitions_public_figures_or_a_404(
    petitions, slug, escape, query, accept, method
):
    # Sent as typed, a slug is read as the test client (and a browser) would: "%00" as NUL,
    # and "/", "?" or "#" as the end of the path.
    escape = escape or any(ch in slug for ch in "/?#")
    url = json_url(slug, escape=escape)
    sent = slug if escape else unquote(slug)
    client = Client(raise_request_exception=False)

    response = getattr(client, method)(
        url + ("?" + query if query else ""), headers={"accept": accept} if accept else {}
    )

    event(str(response.status_code))
    assert response.status_code < 500
    if sent not in LIVE_SLUGS:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    if method == "head":
        assert response.content == b""
    else:
        assert_public_json(response, petitions[sent])


@fuzz(30)
@given(
    slug=st.one_of(st.sampled_from(LIVE_SLUGS), st.from_regex(r"\A[-\w]{1,30}\Z")),
    method=st.sampled_from(["post", "put", "patch", "delete"]),
    body=st.binary(max_size=200),
)
def test_writing_to_the_json_is_refused_never_a_server_error(petitions, slug, method, body):
    url = json_url(slug)
    client = Client(raise_request_exception=False)

    response = getattr(client, method)(url, body, content_type="application/octet-stream")

    assert response.status_code == 405
    assert "GET" in response["Allow"]


def test_a_petition_with_a_unicode_slug_has_its_json(client, petitions):
    response = client.get(quote("/petitions/save-the-café.json"))

    assert response.status_code == 200
    assert assert_public_json(response, petitions["save-the-café"])["title"] == "Save the café"


def test_a_head_request_gets_the_headers_of_the_json_without_a_body(client, petitions):
    slug = next(iter(petitions))

    response = client.head(f"/petitions/{slug}.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == b""
