"""The OSDI API over real HTTP (a live server, urllib): the entry point, paging through every
signature, the record signature helper taking 100 signatures, keys refused, limits, and what
a person's email status says."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import (
    ConfirmedSignerFactory,
    PetitionPageFactory,
    SignatureFactory,
    SupporterFactory,
    SupporterSignatureFactory,
)
from tests.osdi.http import api_call
from undersigned.abuse.models import AbuseSettings
from undersigned.osdi import services
from undersigned.osdi.models import ApiSignature
from undersigned.petitions.models import PetitionState, Signature, SignatureState
from undersigned.supporters.models import ConsentEvent, ConsentSource, SupporterStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def api(live_server):
    def url(name: str, **kwargs) -> str:
        return live_server.url + reverse(f"osdi:{name}", kwargs=kwargs or None)

    return url


# Keys made without an organiser: making one (the Organisers group's permissions) clears
# Django's content-type cache, and the next transactional test's restore of the migrated rows
# then makes content types as it goes, which clash with the rows it restores after them.
@pytest.fixture
def read_key(home) -> str:
    return services.api_key_create(name="Reader", scope="read")[1]


@pytest.fixture
def write_key(home) -> str:
    return services.api_key_create(name="CRM sync", scope="write")[1]


@pytest.fixture
def no_signing_limits():
    abuse = AbuseSettings.load()
    abuse.per_petition_limit = 0
    abuse.overall_limit = 0
    abuse.save()


def test_the_entry_point_links_to_the_collections(api, read_key):
    answer = api_call(api("entry_point"), token=read_key)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/hal+json"
    assert "no-store" in answer.headers["Cache-Control"]
    assert "private" in answer.headers["Cache-Control"]
    assert answer.body["vendor_name"] == "Undersigned"
    assert answer.body["osdi_version"] == "1.x"
    links = answer.body["_links"]
    assert links["curies"][0]["name"] == "osdi"
    assert links["curies"][0]["templated"] is True
    assert links["osdi:petitions"]["href"] == api("petitions")
    assert links["osdi:people"]["href"] == api("people")


def test_a_tool_pages_through_all_250_signatures_by_following_next(api, read_key, petition):
    Signature.objects.bulk_create(
        SignatureFactory.build(petition=petition, name=f"Signer {n}", name_key=f"signer {n}")
        for n in range(250)
    )
    SignatureFactory(petition=petition, state=SignatureState.INVALIDATED)
    SignatureFactory(petition=PetitionPageFactory())  # another petition's

    listed = api_call(api("petition", petition_id=petition.pk), token=read_key).body
    assert listed["total_signatures"] == 250
    url = listed["_links"]["osdi:signatures"]["href"] + "?per_page=100"
    seen, pages = [], 0
    while url:
        answer = api_call(url, token=read_key)
        assert answer.status == 200
        pages += 1
        assert answer.body["page"] == pages
        assert answer.body["per_page"] == 100
        assert answer.body["total_pages"] == 3
        assert answer.body["total_records"] == 250
        seen += [item["identifiers"][0] for item in answer.body["_embedded"]["osdi:signatures"]]
        url = answer.body["_links"].get("next", {}).get("href")

    counted = Signature.objects.filter(petition=petition, state=SignatureState.COUNTED)
    assert seen == [
        f"undersigned:{pk}" for pk in counted.order_by("pk").values_list("pk", flat=True)
    ]
    assert pages == 3


def test_per_page_is_capped_and_bad_paging_is_a_400(api, read_key, petition):
    answer = api_call(api("petitions") + "?per_page=5000", token=read_key)
    assert answer.body["per_page"] == 100

    answer = api_call(api("petitions") + "?page=0", token=read_key)
    assert answer.status == 400
    assert answer.body["field"] == "page"


def test_a_petition_reads_as_osdi_describes_it(api, read_key, petition):
    SignatureFactory.create_batch(3, petition=petition)

    answer = api_call(api("petitions"), token=read_key)

    assert answer.body["total_records"] == 1
    item = answer.body["_embedded"]["osdi:petitions"][0]
    assert item["identifiers"] == [f"undersigned:{petition.pk}"]
    assert item["title"] == petition.title
    assert item["petition_text"] == petition.statement
    assert item["description"] == petition.summary
    assert item["target"] == [{"name": petition.target}]
    assert item["total_signatures"] == 3
    assert item["origin_system"] == "Undersigned"
    assert item["browser_url"].endswith(petition.url)
    assert item["_links"]["osdi:record_signature_helper"]["href"] == api(
        "record_signature_helper", petition_id=petition.pk
    )


def _person(n: int, *, subscribed: bool = False, **changes) -> dict:
    person = {
        "given_name": f"Helper{n}",
        "family_name": "Signer",
        "email_addresses": [
            {
                "address": f"Helper{n}@Example.org",
                "status": "subscribed" if subscribed else "unsubscribed",
            }
        ],
        "postal_addresses": [{"postal_code": "cr0 1ny", "address_lines": []}],
    }
    person.update(changes)
    return {"person": person, "add_tags": ["imported"], "triggers": {}}


def test_the_helper_takes_100_signatures_as_the_form_would(
    api, write_key, petition, no_signing_limits
):
    helper = api("record_signature_helper", petition_id=petition.pk)
    bad_bodies = [
        _person(0, given_name="", family_name=""),  # no name
        _person(0, postal_addresses=[{"postal_code": "NOT A POSTCODE"}]),
        _person(0, postal_addresses=[]),  # neither address nor postcode
        _person(0, email_addresses=[{"address": "not-an-email", "status": "subscribed"}]),
        {"people": []},
    ]
    answers = {"new": [], "duplicate": [], "bad": []}
    for n in range(100):
        if n % 10 == 9:  # ten duplicates of the signature before, sent in another case
            body = _person(n - 1)
            body["person"]["email_addresses"][0]["address"] = f"HELPER{n - 1}@EXAMPLE.ORG"
            answers["duplicate"].append(
                (n - 1, api_call(helper, token=write_key, method="POST", body=body))
            )
        elif n % 10 in (3, 6):  # twenty bad ones
            body = bad_bodies[len(answers["bad"]) % len(bad_bodies)]
            answers["bad"].append(api_call(helper, token=write_key, method="POST", body=body))
        else:
            body = _person(n, subscribed=n % 2 == 0)
            answers["new"].append(api_call(helper, token=write_key, method="POST", body=body))

    assert [a.status for a in answers["new"]] == [201] * 70
    assert [a.status for _n, a in answers["duplicate"]] == [200] * 10
    assert [a.status for a in answers["bad"]] == [400] * 20
    assert all(a.body["error"] and a.body["field"].startswith("person") for a in answers["bad"])
    assert {a.body["field"] for a in answers["bad"]} >= {
        "person.given_name",
        "person.postal_addresses[0].postal_code",
        "person.email_addresses[0].address",
        "person",
    }
    # A duplicate is answered with the person's earlier signature.
    first_of = {a.body["identifiers"][0]: a for a in answers["new"]}
    for _n, duplicate in answers["duplicate"]:
        assert duplicate.body["identifiers"][0] in first_of

    # Stored as the form stores them: 70 counted, 10 duplicates, nothing of the bad ones.
    signatures = Signature.objects.filter(petition=petition)
    assert signatures.filter(state=SignatureState.COUNTED).count() == 70
    assert signatures.filter(state=SignatureState.DUPLICATE).count() == 10
    assert signatures.count() == 80
    assert set(signatures.values_list("email", flat=True)) == {
        f"helper{n}@example.org" for n in range(100) if n % 10 not in (3, 6, 9)
    }
    assert set(signatures.values_list("postcode", flat=True)) == {"CR0 1NY"}
    assert ApiSignature.objects.filter(signature__petition=petition).count() == 80
    # Consent recorded for each one who asked, as given through the API; none for the rest.
    wanted = {f"helper{n}@example.org" for n in range(0, 100, 2) if n % 10 not in (3, 6, 9)}
    consents = ConsentEvent.objects.filter(petition=petition)
    assert set(consents.values_list("email", flat=True)) == wanted
    assert set(consents.values_list("source", flat=True)) == {ConsentSource.API}
    # And each was asked to confirm, as a signer on the form is.
    assert {message.to[0] for message in mail.outbox} == wanted

    listed = api_call(api("petition", petition_id=petition.pk), token=write_key).body
    assert listed["total_signatures"] == 70
    one = api_call(answers["new"][0].headers["Location"], token=write_key).body
    assert one["referrer_data"] == {"source": "osdi", "referrer": "CRM sync"}


def test_a_bad_signature_leaves_nothing_behind(api, write_key, petition):
    helper = api("record_signature_helper", petition_id=petition.pk)
    body = _person(1, subscribed=True, postal_addresses=[{"postal_code": "ZZ"}])

    answer = api_call(helper, token=write_key, method="POST", body=body)

    assert answer.status == 400
    assert not Signature.objects.exists()
    assert not ConsentEvent.objects.exists()
    assert not ApiSignature.objects.exists()
    assert api_call(helper, token=write_key, method="POST", body=b"{not json").status == 400


def test_a_closed_petition_takes_no_signature_through_the_helper(api, write_key, home):
    closed = PetitionPageFactory(state=PetitionState.CLOSED)

    answer = api_call(
        api("record_signature_helper", petition_id=closed.pk),
        token=write_key,
        method="POST",
        body=_person(1),
    )

    assert answer.status == 409
    assert answer.body["error"]
    assert not Signature.objects.exists()


def test_keys_missing_wrong_or_revoked_get_401_and_a_read_key_writing_403(api, read_key, petition):
    url = api("petitions")
    revoked, revoked_secret = services.api_key_create(name="Old", scope="write")
    services.api_key_revoke(api_key=revoked)

    for token in (None, "", "not-a-key", revoked_secret):
        answer = api_call(url, token=token)
        assert answer.status == 401
        assert answer.body["error"]
        assert "OSDI-API-Token" in answer.headers["WWW-Authenticate"]

    answer = api_call(
        api("record_signature_helper", petition_id=petition.pk),
        token=read_key,
        method="POST",
        body=_person(1),
    )
    assert answer.status == 403
    assert answer.body["error"]
    assert not Signature.objects.exists()


def test_a_key_over_its_limit_gets_429_with_retry_after(api, read_key, settings):
    settings.UNDERSIGNED_OSDI_REQUESTS_PER_MINUTE = 3
    other = services.api_key_create(name="Other", scope="read")[1]

    statuses = [api_call(api("entry_point"), token=read_key).status for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    answer = api_call(api("entry_point"), token=read_key)
    assert answer.status == 429
    assert answer.body["error"]
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert api_call(api("entry_point"), token=other).status == 200  # counted per key


def test_a_persons_email_is_subscribed_only_once_confirmed(api, read_key, petition):
    confirmed = ConfirmedSignerFactory(
        petition=petition,
        name="Cora Confirmed",
        email="cora@example.org",
        address="1 High Street\n Northfield\n",
    )
    unconfirmed = SupporterSignatureFactory(petition=petition, email="una@example.org")
    SupporterFactory(email="una@example.org", status=SupporterStatus.UNCONFIRMED, confirmed_at=None)
    left = SupporterSignatureFactory(petition=petition, email="lee@example.org")
    SupporterFactory(email="lee@example.org", status=SupporterStatus.UNSUBSCRIBED)
    no_email = SignatureFactory(petition=petition, email="", name="Pat Paper", postcode="CR0 1NY")
    erased = SignatureFactory(petition=petition)
    Signature.objects.filter(pk=erased.pk).update(
        name="", email="", anonymised_at=confirmed.created_at
    )

    answer = api_call(api("people"), token=read_key)

    people = {p["identifiers"][0]: p for p in answer.body["_embedded"]["osdi:people"]}
    assert answer.body["total_records"] == 4
    assert f"undersigned:{erased.pk}" not in people

    def status(signature) -> str:
        return people[f"undersigned:{signature.pk}"]["email_addresses"][0]["status"]

    assert status(confirmed) == "subscribed"
    assert status(unconfirmed) == "unsubscribed"
    assert status(left) == "unsubscribed"
    cora = people[f"undersigned:{confirmed.pk}"]
    assert (cora["given_name"], cora["family_name"]) == ("Cora", "Confirmed")
    assert cora["postal_addresses"] == [
        {
            "address_lines": ["1 High Street", "Northfield"],
            "postal_code": "CR0 1NY",
            "country": "GB",
            "primary": True,
        }
    ]
    assert set(cora["custom_fields"]) == {"ward_code", "constituency_code", "local_authority_code"}
    pat = people[f"undersigned:{no_email.pk}"]
    assert pat["email_addresses"] == []
    assert api_call(api("person", person_id=erased.pk), token=read_key).status == 404
    one = api_call(api("person", person_id=confirmed.pk), token=read_key)
    assert one.body["email_addresses"][0]["status"] == "subscribed"
