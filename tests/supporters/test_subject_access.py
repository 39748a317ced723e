"""Subject access and erasure: finding, exporting and erasing what is held about one person."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import (
    EnquiryFactory,
    PetitionPageFactory,
    SignatureFactory,
    SupporterSignatureFactory,
)
from tests.html_forms import form_submit, form_submit_on, post_with_page_token
from undersigned.contact.models import Enquiry
from undersigned.petitions import selectors
from undersigned.petitions.models import Signature, SignatureState
from undersigned.site.errors import ApplicationError
from undersigned.supporters import consent as ledger
from undersigned.supporters.erasure import personal_data_erase
from undersigned.supporters.models import ConsentEvent, ErasureKind, ErasureRecord, Supporter
from undersigned.supporters.subject_access import data_subject_build, personal_data_get


@pytest.fixture
def ada(petition):
    """Ada signed two petitions (once with consent to updates) and wrote to the inbox."""
    first = SignatureFactory(
        petition=petition,
        name="Ada Lovelace",
        postcode="CR0 1NY",
        email="ada@example.org",
        address="12 Analytical Street",
        ward_code="E05000001",
        wants_updates=True,
        consent_text="Keep me up to date by email about this petition.",
        consent_version="updates-2026-11",
        consented_at=datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC),
        ip_hash="ab12cd34",
    )
    ledger.consent_record_given(signature=first)
    SignatureFactory(
        petition=PetitionPageFactory(title="Save the lido"),
        name="Ada Lovelace",
        postcode="CR0 1NY",
        email="",
    )
    EnquiryFactory(name="Ada Lovelace", email="Ada@Example.org", postcode="CR0 1NY")
    return first


@pytest.fixture
def others(petition):
    SignatureFactory(petition=petition, name="Grace Hopper", email="grace@example.org")
    SignatureFactory(petition=petition, name="Ada Lovelace", postcode="EB1 1AB", email="")
    EnquiryFactory(name="Grace Hopper", email="grace@example.org")


def search(client, **typed: str):
    return form_submit(client, reverse("privacy_admin:search"), typed)


def _staff_client(*permissions: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(_staff(*permissions))
    return client


def _staff(*permissions: str):
    user = get_user_model().objects.create_user(f"editor{len(permissions)}", "e@example.org")
    for codename in ["access_admin", *permissions]:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_finds_every_signature_and_message_by_email_whatever_its_case(ada, others):
    data = personal_data_get(subject=data_subject_build(email="  ADA@example.ORG "))

    assert [s.name for s in data.signatures] == ["Ada Lovelace"]
    assert data.signatures[0].pk == ada.pk
    assert [e.email for e in data.enquiries] == ["Ada@Example.org"]
    ledger_rows = next(held.rows for held in data.other if held.label == "consent ledger")
    assert [row.email for row in ledger_rows] == ["ada@example.org"]


def test_finds_by_name_and_postcode_folded_like_the_sign_form(ada, others):
    subject = data_subject_build(name="  ada   LOVELACE ", postcode="cr01ny")
    data = personal_data_get(subject=subject)

    titles = sorted(s.petition.title for s in data.signatures)
    assert titles == sorted([ada.petition.title, "Save the lido"])
    assert all(s.postcode == "CR0 1NY" for s in data.signatures)
    assert [e.name for e in data.enquiries] == ["Ada Lovelace"]


def test_a_search_needs_an_email_or_a_name_with_a_postcode(db):
    for incomplete in [{}, {"name": "Ada Lovelace"}, {"postcode": "CR0 1NY"}]:
        with pytest.raises(ApplicationError):
            data_subject_build(**incomplete)
    with pytest.raises(ApplicationError, match="real UK postcode"):
        data_subject_build(name="Ada Lovelace", postcode="NOT A CODE")


def test_the_admin_search_shows_every_field_held(admin_client, ada, others):
    response = search(admin_client, email="ada@example.org")

    html = response.content.decode()
    assert response.status_code == 200
    for held in ["12 Analytical Street", "CR0 1NY", "ab12cd34", "updates-2026-11", "E05000001"]:
        assert held in html
    assert "The street lights on Station Road" in html  # the message
    assert "Grace Hopper" not in html


def test_no_personal_details_go_into_a_url_where_logs_and_history_would_keep_them(
    admin_client, ada
):
    html = search(admin_client, email="ada@example.org").content.decode()

    assert 'method="get"' not in html
    assert "?email=" not in html and "ada%40example.org" not in html
    assert html.count('<input type="hidden" name="email" value="ada@example.org">') == 2


def test_the_json_export_contains_the_data_and_names_nobody_in_its_file_name(admin_client, ada):
    response = form_submit_on(
        admin_client,
        search(admin_client, email="ada@example.org"),
        action=reverse("privacy_admin:export"),
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "ada" not in disposition.lower()
    export = json.loads(response.content)
    signature = export["petition_signatures"][0]
    assert signature["name"] == "Ada Lovelace"
    assert signature["address"] == "12 Analytical Street"
    assert signature["consent_text"] == "Keep me up to date by email about this petition."
    assert signature["petition"]["title"] == ada.petition.title
    assert signature["created_at"].startswith("20")
    assert export["contact_messages"][0]["message"].startswith("The street lights")
    assert export["consent ledger"][0]["kind"] == "given"
    assert export["searched_for"]["email"] == "ada@example.org"


def test_erasing_asks_for_confirmation_first_and_a_get_erases_nothing(admin_client, ada):
    assert admin_client.get(reverse("privacy_admin:erase")).status_code == 405

    response = form_submit_on(
        admin_client,
        search(admin_client, email="ada@example.org"),
        action=reverse("privacy_admin:erase"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Yes, erase" in html and 'name="confirmed" value="yes"' in html
    assert "its count goes down by 1" in html
    assert Signature.objects.filter(pk=ada.pk).exists()
    assert not ErasureRecord.objects.exists()


@override_settings(UNDERSIGNED_COUNT_CACHE_SECONDS=60)
def test_erasing_deletes_the_signatures_and_the_count_goes_down(
    admin_client, ada, others, django_capture_on_commit_callbacks
):
    petition = ada.petition
    assert selectors.signature_count(petition=petition) == 3  # now cached

    erase = reverse("privacy_admin:erase")
    found = search(admin_client, name="Ada Lovelace", postcode="CR0 1NY")
    confirm = form_submit_on(admin_client, found, action=erase)
    with django_capture_on_commit_callbacks(execute=True):
        response = form_submit_on(admin_client, confirm, {"note": "request by email"})

    assert response.status_code == 302
    assert selectors.signature_count(petition=petition) == 2
    assert not Signature.objects.filter(name="Ada Lovelace", postcode="CR0 1NY").exists()
    assert not Enquiry.objects.filter(name="Ada Lovelace").exists()
    assert Signature.objects.filter(name="Ada Lovelace", postcode="EB1 1AB").exists()
    assert Enquiry.objects.filter(name="Grace Hopper").exists()


def test_erasing_records_how_many_went_and_why_but_not_whose(organiser, ada):
    subject = data_subject_build(email="ada@example.org", name="Ada Lovelace", postcode="CR0 1NY")

    personal_data_erase(subject=subject, performed_by=organiser, note="request by letter")

    records = list(ErasureRecord.objects.order_by("pk"))
    assert [r.kind for r in records] == [ErasureKind.REQUEST] * 3
    assert sorted(r.signatures_affected for r in records if r.petition) == [1, 1]
    inbox = next(r for r in records if r.petition is None)
    assert inbox.note == "request by letter (1 contact-form message deleted; " + (
        "1 consent-ledger or delivery record made anonymous; taken off the supporter list)"
    )
    assert {r.performed_by for r in records} == {organiser}
    for record in records:
        # Field values only: the instance's __dict__ also holds Django's state object,
        # whose repr carries a memory address that can itself spell "ada" in hex.
        values = " ".join(
            str(field.value_from_object(record)) for field in record._meta.concrete_fields
        ).lower()
        assert "ada" not in values and "lovelace" not in values and "cr0" not in values


def test_erasing_leaves_the_ledger_without_the_address_and_with_the_withdrawal(organiser, ada):
    personal_data_erase(subject=data_subject_build(email="ada@example.org"), performed_by=organiser)

    assert not ConsentEvent.objects.filter(email="ada@example.org").exists()
    kinds = sorted(ConsentEvent.objects.filter(petition=ada.petition).values_list("kind", "source"))
    assert kinds == [("given", "sign_form"), ("withdrawn", "erasure")]
    assert personal_data_get(subject=data_subject_build(email="ada@example.org")).is_empty


def test_a_copy_lists_the_persons_entry_on_the_supporter_list(ada):
    data = personal_data_get(subject=data_subject_build(email="ada@example.org"))

    export = json.loads(json.dumps(data.as_export(), default=str))
    (entry,) = export["supporters"]
    assert entry["email"] == "ada@example.org"
    assert entry["status"] == "unconfirmed"
    assert entry["source_petition"] == ada.petition_id
    assert entry["ward_code"] == "E05000001"


def test_erasing_takes_the_person_off_the_supporter_list(organiser, ada, others):
    grace = SupporterSignatureFactory(email="grace@example.org")
    ledger.consent_record_given(signature=grace)

    result = personal_data_erase(
        subject=data_subject_build(email="ada@example.org"), performed_by=organiser
    )

    assert result.supporters_deleted == 1
    assert list(Supporter.objects.values_list("email", flat=True)) == ["grace@example.org"]


def test_a_note_that_names_the_person_is_refused_and_nothing_is_erased(admin_client, ada):
    erase = reverse("privacy_admin:erase")
    found = search(admin_client, name="Ada Lovelace", postcode="CR0 1NY")
    confirm = form_submit_on(admin_client, found, action=erase)
    for note in ["from ada@example.org", "Ada Lovelace asked", "lives at CR01NY"]:
        response = form_submit_on(admin_client, confirm, {"note": note})
        assert response.status_code == 200
        assert "Keep the note free of personal details" in response.content.decode()
    assert Signature.objects.filter(pk=ada.pk).exists()
    assert not ErasureRecord.objects.exists()


def test_erasing_a_duplicates_original_leaves_no_dangling_duplicate(organiser, petition):
    original = SignatureFactory(petition=petition, email="ada@example.org", name="Ada Lovelace")
    duplicate = SignatureFactory(
        petition=petition,
        email="ada@example.org",
        name="Ada Lovelace",
        state=SignatureState.DUPLICATE,
        duplicate_of=original,
    )

    result = personal_data_erase(
        subject=data_subject_build(email="ada@example.org"), performed_by=organiser
    )

    assert result.signatures_deleted == 2
    assert not Signature.objects.filter(pk__in=[original.pk, duplicate.pk]).exists()


def test_the_privacy_screens_need_the_erasure_permission(ada):
    # Wagtail turns a refusal into a redirect to the dashboard with an error message.
    client = _staff_client()
    assert client.get(reverse("privacy_admin:search"))["Location"] == "/admin/"
    for name in ["search", "export", "erase"]:
        response = post_with_page_token(
            client,
            "/admin/",
            reverse(f"privacy_admin:{name}"),
            {"email": "ada@example.org", "confirmed": "yes"},
        )
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert Signature.objects.filter(pk=ada.pk).exists()

    client = _staff_client("add_erasurerecord")
    assert client.get(reverse("privacy_admin:search")).status_code == 200


def test_the_privacy_screens_are_not_open_to_visitors(ada):
    # With a token from the login page, so that the refusal is the login's, not the CSRF check's.
    response = post_with_page_token(
        Client(enforce_csrf_checks=True),
        "/admin/login/",
        reverse("privacy_admin:erase"),
        {"email": "ada@example.org", "confirmed": "yes"},
    )
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Signature.objects.filter(pk=ada.pk).exists()


def test_the_admin_menu_has_a_privacy_item_for_organisers(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("privacy_admin:search") in html

    client = _staff_client()
    assert reverse("privacy_admin:search") not in client.get("/admin/").content.decode()


def test_the_erasure_log_lists_what_was_erased(admin_client, organiser, ada):
    personal_data_erase(
        subject=data_subject_build(email="ada@example.org"),
        performed_by=organiser,
        note="request by phone",
    )

    html = admin_client.get(reverse("privacy_admin:search")).content.decode()

    assert "Erasure on request" in html
    assert "request by phone" in html
    assert ada.petition.title in html
