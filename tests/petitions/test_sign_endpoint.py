"""The sign form's own address: the page posts there, and a petition closed, paused or
unpublished a moment ago takes no signature even from a copy of it cached before."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import PostcodeFactory, sign_url
from undersigned.petitions import selectors, services
from undersigned.petitions.models import PetitionPage, PetitionState, Signature, SignatureState
from undersigned.petitions.services import SignMessages
from undersigned.site.errors import ApplicationError

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def cached_copies(settings):
    """Public pages and the petition's signing copy kept for a minute, as under load."""
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 60


def test_the_page_sends_its_form_to_the_sign_address(client, petition):
    html = page_text(client.get(petition.url))

    assert f'action="{sign_url(petition)}#sign"' in html
    assert sign_url(petition) == f"/petitions/{petition.slug}/sign/"


def test_signing_at_the_sign_address_stores_the_signature_with_its_areas(
    client, petition, valid_form_data
):
    PostcodeFactory(postcode="CR0 1NY", ward_code="E05000001", local_authority_code="E09000008")

    response = client.post(sign_url(petition), valid_form_data)

    assert response.status_code == 302
    assert response["Location"] == petition.thank_you_url
    signature = Signature.objects.get()
    assert (signature.name, signature.postcode, signature.state) == (
        "Ada Lovelace",
        "CR0 1NY",
        SignatureState.COUNTED,
    )
    assert (signature.ward_code, signature.local_authority_code) == ("E05000001", "E09000008")


def test_posting_to_the_page_itself_still_signs(client, petition, valid_form_data):
    """A page cached before the form had its own address posts to the page: still taken."""
    response = client.post(petition.url, valid_form_data)

    assert response.status_code == 302
    assert response["Location"] == petition.thank_you_url
    assert Signature.objects.get().state == SignatureState.COUNTED


def test_opening_the_sign_address_goes_back_to_the_petition(client, petition):
    response = client.get(sign_url(petition))

    assert response.status_code == 302
    assert response["Location"] == petition.url


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_at_the_sign_address_are_refused_and_store_nothing(
    client, petition, valid_form_data, method
):
    response = getattr(client, method)(sign_url(petition), valid_form_data)

    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert not Signature.objects.exists()


def test_an_unknown_or_unpublished_petition_is_not_found(client, petition, valid_form_data):
    assert client.post("/petitions/no-such-petition/sign/", valid_form_data).status_code == 404
    petition.unpublish()

    assert client.post(sign_url(petition), valid_form_data).status_code == 404
    assert not Signature.objects.exists()


def test_a_mistake_at_the_sign_address_shows_the_petition_with_the_message(client, petition):
    response = client.post(sign_url(petition), {"name": "Ada", "postcode": "not one"})

    assert response.status_code == 200
    html = page_text(response)
    assert petition.statement in html
    assert str(SignMessages.POSTCODE_INVALID) in html
    assert 'value="Ada"' in html
    assert not Signature.objects.exists()


def _close_quietly(petition: PetitionPage, **changes) -> None:
    """Change the live petition in the database without publishing (no signal, no cache
    forgotten), as another app server would have changed it a moment ago."""
    PetitionPage.objects.filter(pk=petition.pk).update(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state": PetitionState.CLOSED}, "This petition is closed"),
        ({"closes_at": timezone.now}, "This petition is closed"),
        ({"signing_paused": True, "signing_paused_message": "Back on Monday."}, "Back on Monday."),
    ],
    ids=["closed", "past-its-closing-date", "paused"],
)
def test_a_petition_stopped_after_its_copy_was_cached_takes_no_signature(
    cached_copies, client, petition, valid_form_data, changes, message
):
    assert client.post(sign_url(petition), valid_form_data).status_code == 302  # now cached
    _close_quietly(petition, **{k: v() if callable(v) else v for k, v in changes.items()})

    response = client.post(sign_url(petition), {**valid_form_data, "email": "grace@example.org"})

    assert response.status_code == 409
    assert message in page_text(response)
    assert Signature.objects.count() == 1


def test_a_petition_unpublished_after_its_copy_was_cached_takes_no_signature(
    cached_copies, client, petition, valid_form_data
):
    client.post(sign_url(petition), valid_form_data)
    _close_quietly(petition)
    PetitionPage.objects.filter(pk=petition.pk).update(live=False)

    response = client.post(sign_url(petition), {**valid_form_data, "email": "grace@example.org"})

    assert response.status_code == 404
    assert Signature.objects.count() == 1


def test_the_service_refuses_a_stale_copy_of_a_closed_petition_with_the_reason(petition):
    copy = selectors.SigningTarget.of(petition)
    _close_quietly(petition, state=PetitionState.CLOSED)

    with pytest.raises(ApplicationError) as refused:
        services.sign(petition=copy, signer=services.SignerDetails(name="Ada", postcode="CR0 1NY"))

    assert str(SignMessages.CLOSED) in refused.value.message
    assert not Signature.objects.exists()


def test_a_stale_copy_still_records_a_second_signature_as_a_duplicate(petition):
    copy = selectors.SigningTarget.of(petition)
    signer = services.SignerDetails(name="Ada", postcode="CR0 1NY", email="ada@example.org")
    first = services.sign(petition=copy, signer=signer)

    again = services.sign(petition=copy, signer=signer)

    assert first.counted
    assert again.signature.state == SignatureState.DUPLICATE
    assert again.signature.duplicate_of == first.signature
    assert selectors.signature_count(petition=petition) == 1


def test_the_signing_copy_is_kept_only_as_long_as_a_public_page(settings, petition):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 0
    assert selectors.signing_target(slug=petition.slug).honeypot_enabled
    PetitionPage.objects.filter(pk=petition.pk).update(honeypot_enabled=False)

    assert not selectors.signing_target(slug=petition.slug).honeypot_enabled


def test_a_signature_after_the_closing_time_is_refused_even_if_the_copy_says_open(petition):
    closes = timezone.now() + datetime.timedelta(hours=1)
    PetitionPage.objects.filter(pk=petition.pk).update(closes_at=closes)
    copy = selectors.SigningTarget.of(PetitionPage.objects.get(pk=petition.pk))
    PetitionPage.objects.filter(pk=petition.pk).update(closes_at=timezone.now())

    with pytest.raises(ApplicationError):
        services.sign(petition=copy, signer=services.SignerDetails(name="Ada", postcode="N1 9GU"))
    assert not Signature.objects.exists()


def test_a_csrf_failure_at_the_sign_address_gets_the_friendly_page(petition, valid_form_data):
    response = Client(enforce_csrf_checks=True).post(sign_url(petition), valid_form_data)

    assert response.status_code == 403
    assert "Sorry, your form could not be sent" in page_text(response)
    assert not Signature.objects.exists()
