"""Keys and their limits, and a signature recorded through the API, at the service level."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.abuse.redis_server import forget_keys, redis_url_or_skip
from undersigned.abuse import store
from undersigned.osdi import selectors, services
from undersigned.osdi.models import ApiKey, ApiSignature
from undersigned.petitions.models import SignatureState
from undersigned.petitions.services import SignerDetails
from undersigned.site.errors import ApplicationError
from undersigned.supporters.models import ConsentEvent, ConsentSource

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_key_is_stored():
    api_key, secret = services.api_key_create(name="Reader", scope="read")

    assert len(secret) >= 43
    stored = ApiKey.objects.filter(pk=api_key.pk).values()[0]
    assert secret not in str(stored)
    assert api_key.prefix == secret[:8]
    assert selectors.api_key_get_active(secret=secret) == api_key
    assert selectors.api_key_get_active(secret=secret + "x") is None


def test_without_redis_a_key_is_counted_on_its_row_and_the_window_starts_again(settings):
    settings.UNDERSIGNED_OSDI_REQUESTS_PER_MINUTE = 2
    api_key, _ = services.api_key_create(name="Reader", scope="read")
    start = timezone.now()

    answers = [services.api_key_use(api_key=api_key, now=start) for _ in range(3)]
    later = services.api_key_use(api_key=api_key, now=start + datetime.timedelta(seconds=45))
    api_key.refresh_from_db()
    assert api_key.last_used_at == start  # written at most once a minute
    next_window = services.api_key_use(api_key=api_key, now=start + datetime.timedelta(seconds=61))

    assert answers[:2] == [None, None]
    assert answers[2] == 60
    assert later == 15
    assert next_window is None


def test_with_redis_a_key_is_counted_there(settings):
    settings.REDIS_URL = redis_url_or_skip()
    settings.UNDERSIGNED_OSDI_REQUESTS_PER_MINUTE = 2
    api_key, _ = services.api_key_create(name="Reader", scope="read")
    try:
        answers = [services.api_key_use(api_key=api_key) for _ in range(3)]
    finally:
        forget_keys(
            settings.REDIS_URL, f"{store.DEFAULT_PREFIX}*{services.rate_counter_name(api_key)}*"
        )

    assert answers == [None, None, services.RATE_WINDOW_SECONDS]
    api_key.refresh_from_db()
    assert api_key.window_uses == 0  # the row counted nothing


def test_a_read_key_cannot_record_a_signature(petition):
    api_key, _ = services.api_key_create(name="Reader", scope="read")

    with pytest.raises(ApplicationError):
        services.signature_record(
            api_key=api_key,
            petition=petition,
            signer=SignerDetails(name="Ada Lovelace", postcode="CR0 1NY"),
        )


def test_a_signature_through_the_api_records_its_key_and_the_consent_as_given_there(petition):
    api_key, _ = services.api_key_create(name="CRM sync", scope="write")

    result = services.signature_record(
        api_key=api_key,
        petition=petition,
        signer=SignerDetails(
            name="Ada Lovelace", postcode="cr0 1ny", email="Ada@Example.org", wants_updates=True
        ),
    )

    assert result.signature.state == SignatureState.COUNTED
    assert result.signature.email == "ada@example.org"
    assert ApiSignature.objects.get(signature=result.signature).api_key == api_key
    consent = ConsentEvent.objects.get()
    assert consent.source == ConsentSource.API
    assert consent.signature_id == result.signature.pk
    assert result.signature.ip_hash == services.api_key_ip_hash(api_key)
