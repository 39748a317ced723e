"""The petitions services: signing, duplicates, closed petitions, moderation and closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from tests.factories import PetitionPageFactory, SignatureFactory
from undersigned.petitions import selectors, services
from undersigned.petitions.models import PetitionPage, PetitionState, Signature, SignatureState
from undersigned.petitions.services import SignerDetails, SignMessages
from undersigned.site.errors import ApplicationError
from undersigned.supporters.consent import UPDATES_CONSENT_VERSION, updates_consent_wording


def sign_through_service(petition: PetitionPage, **details) -> Signature:
    """The service, this file's subject, on its own (tests/signing.py signs through the page)."""
    details.setdefault("name", "Ada Lovelace")
    return services.sign(petition=petition, signer=SignerDetails(**details)).signature


def count(petition: PetitionPage) -> int:
    return selectors.signature_count(petition=petition)


@pytest.mark.django_db
def test_a_valid_signature_is_stored_counted_with_its_details_normalised(petition):
    result = services.sign(
        petition=petition,
        signer=SignerDetails(
            name="  Ada \t  King\n Lovelace ",
            postcode="cr01ny",
            email="  Ada.Lovelace@Example.ORG ",
        ),
        ip_hash="abc123",
    )

    stored = Signature.objects.get()
    assert result.counted
    assert result.signature == stored
    assert stored.petition_id == petition.pk
    assert stored.state == SignatureState.COUNTED
    assert stored.name == "Ada King Lovelace"
    assert stored.name_key == "ada king lovelace"
    assert stored.email == "ada.lovelace@example.org"
    assert stored.postcode == "CR0 1NY"
    assert stored.ip_hash == "abc123"
    assert stored.duplicate_of is None
    assert count(petition) == 1


@pytest.mark.django_db
def test_a_postcode_written_inside_an_address_is_found_and_stored_on_its_own(petition):
    sign_through_service(
        petition, address="12 Acacia Avenue\r\n  Croydon \r\n\r\ncr0  1ny", postcode=""
    )

    stored = Signature.objects.get()
    assert stored.postcode == "CR0 1NY"
    assert stored.address == "12 Acacia Avenue\nCroydon\ncr0 1ny"


@pytest.mark.django_db
def test_an_address_without_a_postcode_is_enough_to_sign(petition):
    sign_through_service(petition, address="The Old Mill, Northfield")

    stored = Signature.objects.get()
    assert stored.postcode == ""
    assert stored.state == SignatureState.COUNTED


@pytest.mark.django_db
def test_consent_is_recorded_with_its_exact_wording_version_and_time_when_updates_are_wanted(
    petition,
):
    before = timezone.now()
    sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org", wants_updates=True)
    after = timezone.now()

    stored = Signature.objects.get()
    wording = updates_consent_wording(organiser_name=petition.organiser_name)
    assert stored.wants_updates is True
    assert stored.consent_text == wording.text
    assert petition.organiser_name in stored.consent_text
    assert stored.consent_version == UPDATES_CONSENT_VERSION
    assert before <= stored.consented_at <= after


@pytest.mark.django_db
def test_no_consent_is_recorded_when_an_email_is_given_without_ticking_the_box(petition):
    sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org", wants_updates=False)

    stored = Signature.objects.get()
    assert stored.wants_updates is False
    assert stored.consent_text == ""
    assert stored.consent_version == ""
    assert stored.consented_at is None


@pytest.mark.django_db
def test_asking_for_updates_without_an_email_is_refused_and_nothing_is_stored(petition):
    with pytest.raises(ApplicationError) as error:
        sign_through_service(petition, postcode="CR0 1NY", email="   ", wants_updates=True)

    assert error.value.message == str(SignMessages.EMAIL_NEEDED_FOR_UPDATES)
    assert not Signature.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"name": " \t ", "postcode": "CR0 1NY"}, SignMessages.NAME_MISSING),
        ({"name": "Ada", "postcode": "NOT A POSTCODE"}, SignMessages.POSTCODE_INVALID),
        ({"name": "Ada", "address": "  \n ", "postcode": ""}, SignMessages.PLACE_MISSING),
    ],
    ids=["blank name", "invalid postcode", "no address or postcode"],
)
def test_details_the_form_would_reject_are_refused_by_the_service_too(petition, details, message):
    with pytest.raises(ApplicationError) as error:
        services.sign(petition=petition, signer=SignerDetails(**details))

    assert error.value.message == str(message)
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_the_same_email_signing_again_is_stored_as_a_duplicate_of_the_original(petition):
    original = sign_through_service(
        petition, name="Ada Lovelace", postcode="CR0 1NY", email="ada@example.org"
    )

    result = services.sign(
        petition=petition,
        signer=SignerDetails(name="A. Lovelace", postcode="SW1A 1AA", email="ADA@example.org"),
    )

    assert not result.counted
    assert result.signature.state == SignatureState.DUPLICATE
    assert result.signature.duplicate_of == original
    assert Signature.objects.count() == 2
    assert count(petition) == 1


@pytest.mark.django_db
def test_the_same_name_and_postcode_typed_differently_is_a_duplicate(petition):
    original = sign_through_service(
        petition, name="Ada Lovelace", postcode="CR0 1NY", email="ada@example.org"
    )

    result = services.sign(
        petition=petition,
        signer=SignerDetails(
            name="  ADA   lovelace ", postcode="cr01ny", email="other@example.org"
        ),
    )

    assert result.signature.state == SignatureState.DUPLICATE
    assert result.signature.duplicate_of == original
    assert count(petition) == 1


@pytest.mark.django_db
def test_a_duplicate_of_a_duplicate_points_to_the_first_signature(petition):
    original = sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org")
    sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org")

    third = sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org")

    assert third.duplicate_of == original
    assert count(petition) == 1


@pytest.mark.django_db
def test_the_same_name_in_a_different_postcode_counts_as_another_person(petition):
    sign_through_service(petition, name="John Smith", postcode="CR0 1NY")
    second = sign_through_service(petition, name="John Smith", postcode="SW1A 1AA")

    assert second.state == SignatureState.COUNTED
    assert count(petition) == 2


@pytest.mark.django_db
def test_signing_one_petition_does_not_make_a_duplicate_on_another(petition):
    other = PetitionPageFactory()
    sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org")

    elsewhere = sign_through_service(other, postcode="CR0 1NY", email="ada@example.org")

    assert elsewhere.state == SignatureState.COUNTED
    assert count(other) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "petition_kwargs",
    [
        {"state": PetitionState.CLOSED},
        {"state": PetitionState.HANDED_IN},
        {"live": False},
        {
            "state": PetitionState.OPEN,
            "opened_at": timezone.now() - timedelta(days=30),
            "closes_at": timezone.now() - timedelta(minutes=1),
        },
    ],
    ids=["closed", "handed in", "not published", "past its closing date"],
)
def test_a_petition_not_taking_signatures_refuses_to_be_signed_and_stores_nothing(
    home, petition_kwargs
):
    petition = PetitionPageFactory(**petition_kwargs)

    with pytest.raises(ApplicationError) as error:
        sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org")

    assert error.value.message == str(SignMessages.CLOSED)
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_petition_before_its_closing_date_still_takes_signatures(home):
    petition = PetitionPageFactory(closes_at=timezone.now() + timedelta(days=1))

    assert sign_through_service(petition, postcode="CR0 1NY").state == SignatureState.COUNTED


@pytest.mark.django_db
def test_the_database_refuses_a_second_counted_signature_with_the_same_email(petition):
    SignatureFactory(petition=petition, email="ada@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            petition=petition,
            name="Someone Else",
            name_key="someone else",
            postcode="SW1A 1AA",
            email="ada@example.org",
            state=SignatureState.COUNTED,
        )
    assert Signature.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_counted_signature_with_the_same_name_and_postcode(
    petition,
):
    SignatureFactory(petition=petition, name="Ada Lovelace", postcode="CR0 1NY", email="")

    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            petition=petition,
            name="Ada Lovelace",
            name_key="ada lovelace",
            postcode="CR0 1NY",
            state=SignatureState.COUNTED,
        )
    assert Signature.objects.count() == 1


@pytest.mark.django_db
def test_the_database_accepts_the_same_email_again_when_stored_as_a_duplicate(petition):
    original = SignatureFactory(petition=petition, email="ada@example.org")

    Signature.objects.create(
        petition=petition,
        name="Ada Lovelace",
        name_key="ada lovelace",
        postcode="CR0 1NY",
        email="ada@example.org",
        state=SignatureState.DUPLICATE,
        duplicate_of=original,
    )

    assert Signature.objects.filter(email="ada@example.org").count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_signature_with_neither_address_nor_postcode(petition):
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(petition=petition, name="Ada", name_key="ada")
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_consent_without_an_email(petition):
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            petition=petition,
            name="Ada",
            name_key="ada",
            postcode="CR0 1NY",
            wants_updates=True,
            consented_at=timezone.now(),
        )
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_name_that_grows_when_folded_is_still_stored(petition):
    # "ß" folds to "ss", and one ligature can unfold to many letters.
    long_fold = sign_through_service(petition, name="ß" * 200, postcode="CR0 1NY")
    ligatures = sign_through_service(petition, name="\ufdfa" * 20, postcode="CR0 1NY")

    assert long_fold.state == SignatureState.COUNTED
    assert ligatures.state == SignatureState.COUNTED
    assert all(len(key) <= 200 for key in Signature.objects.values_list("name_key", flat=True))


@pytest.mark.django_db
def test_invalidating_a_signature_stops_it_counting_and_restoring_counts_it_again(petition):
    signature = sign_through_service(petition, postcode="CR0 1NY")
    sign_through_service(petition, name="Grace Hopper", postcode="SW1A 1AA")
    assert count(petition) == 2

    invalidated = services.signature_invalidate(signature=signature)

    assert invalidated.state == SignatureState.INVALIDATED
    assert invalidated.state_changed_at is not None
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.INVALIDATED
    assert count(petition) == 1

    restored = services.signature_restore(signature=signature)

    assert restored.state == SignatureState.COUNTED
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.COUNTED
    assert count(petition) == 2


@pytest.mark.django_db
def test_moderation_refreshes_a_cached_count_at_once(petition, settings):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    signature = sign_through_service(petition, postcode="CR0 1NY")
    assert count(petition) == 1

    services.signature_invalidate(signature=signature)

    assert count(petition) == 0


@pytest.mark.django_db
def test_a_suspect_signature_can_be_restored_or_invalidated(petition):
    restorable = SignatureFactory(petition=petition, state=SignatureState.SUSPECT)
    removable = SignatureFactory(petition=petition, state=SignatureState.SUSPECT)

    services.signature_restore(signature=restorable)
    services.signature_invalidate(signature=removable)

    assert count(petition) == 1
    assert Signature.objects.get(pk=removable.pk).state == SignatureState.INVALIDATED


@pytest.mark.django_db
def test_a_duplicate_can_be_neither_invalidated_nor_restored(petition):
    original = sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org")
    duplicate = sign_through_service(petition, postcode="CR0 1NY", email="ada@example.org")

    with pytest.raises(ApplicationError):
        services.signature_invalidate(signature=duplicate)
    with pytest.raises(ApplicationError):
        services.signature_restore(signature=duplicate)

    assert Signature.objects.get(pk=duplicate.pk).state == SignatureState.DUPLICATE
    assert Signature.objects.get(pk=original.pk).state == SignatureState.COUNTED


@pytest.mark.django_db
def test_invalidating_twice_or_restoring_a_counted_signature_changes_nothing(petition):
    signature = sign_through_service(petition, postcode="CR0 1NY")

    services.signature_restore(signature=signature)
    assert Signature.objects.get(pk=signature.pk).state_changed_at is None

    services.signature_invalidate(signature=signature)
    first_change = Signature.objects.get(pk=signature.pk).state_changed_at
    services.signature_invalidate(signature=signature)

    assert Signature.objects.get(pk=signature.pk).state_changed_at == first_change
    assert count(petition) == 0


@pytest.mark.django_db
def test_closing_a_petition_publishes_it_as_closed_and_stops_signing(petition):
    closed = services.petition_close(petition=petition)

    stored = PetitionPage.objects.get(pk=petition.pk)
    assert closed.state == PetitionState.CLOSED
    assert stored.state == PetitionState.CLOSED
    assert stored.live
    assert stored.closed_at is not None
    assert not stored.is_accepting_signatures()
    with pytest.raises(ApplicationError):
        sign_through_service(stored, postcode="CR0 1NY")


@pytest.mark.django_db
def test_publishing_a_draft_written_before_closing_does_not_reopen_the_petition(petition):
    petition.summary = "A sharper summary, written before closing."
    draft = petition.save_revision()
    services.petition_close(petition=petition)

    draft.publish()

    stored = PetitionPage.objects.get(pk=petition.pk)
    assert stored.summary == "A sharper summary, written before closing."
    assert stored.state == PetitionState.CLOSED
    assert not stored.is_accepting_signatures()


@pytest.mark.django_db
def test_closing_an_already_closed_petition_keeps_its_closing_time(petition):
    first = services.petition_close(petition=petition)

    again = services.petition_close(petition=PetitionPage.objects.get(pk=petition.pk))

    assert again.state == PetitionState.CLOSED
    assert again.closed_at == first.closed_at


@pytest.mark.django_db
def test_a_handed_in_petition_cannot_be_closed_again(home):
    petition = PetitionPageFactory(state=PetitionState.HANDED_IN)

    with pytest.raises(ApplicationError):
        services.petition_close(petition=petition)

    assert PetitionPage.objects.get(pk=petition.pk).state == PetitionState.HANDED_IN


@pytest.mark.django_db
def test_withdrawing_updates_stops_only_that_address_on_that_petition_and_returns_the_latest(
    petition,
):
    now = timezone.now()
    latest = SignatureFactory(
        petition=petition,
        email="ada@example.org",
        wants_updates=True,
        consented_at=now,
        consent_text="Keep me posted",
    )
    first = SignatureFactory(
        petition=petition,
        email="ada@example.org",
        wants_updates=True,
        consented_at=now - timedelta(days=2),
        state=SignatureState.DUPLICATE,
        duplicate_of=latest,
    )
    someone_else = SignatureFactory(
        petition=petition, email="grace@example.org", wants_updates=True, consented_at=now
    )
    elsewhere = SignatureFactory(
        petition=PetitionPageFactory(),
        email="ada@example.org",
        wants_updates=True,
        consented_at=now,
    )

    withdrawn = services.signatures_updates_withdraw(petition=petition, email="ada@example.org")

    assert withdrawn.pk == latest.pk
    assert withdrawn.consent_text == "Keep me posted"
    for signature in (first, latest):
        signature.refresh_from_db()
        assert (signature.wants_updates, signature.consented_at) == (False, None)
    assert Signature.objects.get(pk=someone_else.pk).wants_updates
    assert Signature.objects.get(pk=elsewhere.pk).wants_updates
    assert services.signatures_updates_withdraw(petition=petition, email="ada@example.org") is None


@pytest.mark.django_db
def test_anonymising_signatures_goes_in_batches_and_keeps_the_count(petition):
    signatures = SignatureFactory.create_batch(3, petition=petition, ip_hash="abc")
    other = SignatureFactory(petition=PetitionPageFactory(), ip_hash="abc")
    before = count(petition)
    now = timezone.now()

    assert services.signatures_anonymise(petition_id=petition.pk, now=now, limit=2) == 2
    assert services.signatures_anonymise(petition_id=petition.pk, now=now, limit=2) == 1
    assert services.signatures_anonymise(petition_id=petition.pk, now=now, limit=2) == 0

    for signature in signatures:
        signature.refresh_from_db()
        assert signature.anonymised_at == now
        assert (signature.name, signature.email, signature.postcode, signature.ip_hash) == (
            ("",) * 4
        )
    assert Signature.objects.get(pk=other.pk).anonymised_at is None
    assert count(petition) == before


@pytest.mark.django_db
def test_deleting_signatures_drops_their_history_and_the_petition_counts_them_no_more(
    petition, settings, django_capture_on_commit_callbacks
):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    gone, kept = SignatureFactory.create_batch(2, petition=petition)
    assert count(petition) == 2
    log(instance=gone, action="wagtail.edit")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.signatures_delete(signatures=[gone]) == 1

    assert list(Signature.objects.filter(petition=petition)) == [kept]
    assert not ModelLogEntry.objects.filter(object_id=str(gone.pk)).exists()
    assert count(petition) == 1
