"""The API's views through Django's test client: a page of any collection costs the same
few queries however many rows it holds, API answers are never kept by the page cache, and the
helper's answers for what the sign form would hold back or refuse."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ConfirmedSignerFactory, SignatureFactory
from undersigned.abuse.models import AbuseSettings
from undersigned.osdi import services
from undersigned.petitions.models import Signature, SignatureState

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(home) -> dict[str, str]:
    return {"HTTP_OSDI_API_TOKEN": services.api_key_create(name="Reader", scope="read")[1]}


@pytest.mark.parametrize("name", ["people", "signatures"])
def test_a_page_costs_the_same_queries_for_5_rows_as_for_100(
    client, token, petition, name, django_assert_max_num_queries
):
    kwargs = {"petition_id": petition.pk} if name == "signatures" else {}
    url = reverse(f"osdi:{name}", kwargs=kwargs or None)
    ConfirmedSignerFactory.create_batch(5, petition=petition)
    client.get(url, **token)  # anything read once per process is read now

    with django_assert_max_num_queries(12) as small:
        assert client.get(url + "?per_page=100", **token).status_code == 200
    SignatureFactory.create_batch(60, petition=petition)
    ConfirmedSignerFactory.create_batch(35, petition=petition)
    with django_assert_max_num_queries(len(small.captured_queries)):
        answer = client.get(url + "?per_page=100", **token)
    assert len(answer.json()["_embedded"][f"osdi:{name}"]) == 100


def test_api_answers_are_private_and_not_kept_by_the_page_cache(client, token, settings):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 60
    url = reverse("osdi:entry_point")

    first = client.get(url, **token)
    refused = client.get(url)

    assert first.status_code == 200
    assert refused.status_code == 401  # not a copy of the answer given to the key
    assert "private" in first["Cache-Control"]
    assert "no-store" in first["Cache-Control"]


def test_a_method_the_address_does_not_take_is_a_405_naming_those_it_does(client, token, petition):
    answer = client.delete(reverse("osdi:petitions"), **token)

    assert answer.status_code == 405
    assert answer["Allow"] == "GET, HEAD"
    assert answer.json()["error"]
    helper = reverse("osdi:record_signature_helper", kwargs={"petition_id": petition.pk})
    assert client.get(helper, **token)["Allow"] == "POST"


def test_a_page_past_the_last_is_empty_with_a_link_back(client, token, petition):
    answer = client.get(reverse("osdi:petitions") + f"?page={10**30}", **token).json()

    assert answer["_embedded"]["osdi:petitions"] == []
    assert answer["total_records"] == 1
    assert answer["_links"]["previous"]["href"].endswith("?page=1&per_page=25")
    assert "next" not in answer["_links"]


def test_a_petition_asking_for_proof_of_work_takes_nothing_through_the_api(client, petition):
    petition.proof_of_work_required = True
    petition.save()
    write = {"HTTP_OSDI_API_TOKEN": services.api_key_create(name="CRM", scope="write")[1]}
    body = {
        "person": {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "postal_addresses": [{"postal_code": "CR0 1NY"}],
        }
    }

    answer = client.post(
        reverse("osdi:record_signature_helper", kwargs={"petition_id": petition.pk}),
        body,
        content_type="application/json",
        **write,
    )

    assert answer.status_code == 409
    assert "proof of work" in answer.json()["error"]
    assert not Signature.objects.exists()


def test_a_signature_over_the_keys_signing_limit_is_stored_as_suspect_and_answered_202(
    client, petition
):
    abuse = AbuseSettings.load()
    abuse.per_petition_limit = 1
    abuse.save()
    write = {"HTTP_OSDI_API_TOKEN": services.api_key_create(name="CRM", scope="write")[1]}
    helper = reverse("osdi:record_signature_helper", kwargs={"petition_id": petition.pk})

    def send(name: str):
        body = {"person": {"given_name": name, "postal_addresses": [{"postal_code": "CR0 1NY"}]}}
        return client.post(helper, body, content_type="application/json", **write)

    assert send("Ada").status_code == 201
    held = send("Grace")

    assert held.status_code == 202
    assert Signature.objects.get(name="Grace").state == SignatureState.SUSPECT
