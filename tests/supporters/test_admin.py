"""The organisers' screens: write, preview, test, send with confirmation, watch progress."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import (
    ConfirmedSignerFactory,
    ConsentEventFactory,
    PetitionPageFactory,
    PetitionUpdateFactory,
    SignatureFactory,
)
from tests.html_forms import find_form, form_submit, post_with_page_token
from undersigned.supporters import services
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentSource,
    PetitionUpdate,
    Supporter,
    SupporterStatus,
    UpdateState,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signers(petition):
    ConfirmedSignerFactory(petition=petition, email="ada@example.org")
    ConfirmedSignerFactory(petition=petition, email="grace@example.org")
    SignatureFactory(petition=petition, email="no-box@example.org")


@pytest.fixture
def draft(petition, organiser):
    return PetitionUpdateFactory(
        petition=petition, created_by=organiser, subject="We handed it in", body="Thank you all."
    )


def url(name: str, *args) -> str:
    return reverse(f"supporters_update:{name}", args=args)


def test_the_update_and_consent_screens_load(admin_client, petition, signers, draft):
    ConsentEventFactory(petition=petition)
    pages = [
        url("index"),
        url("add") + f"?petition={petition.pk}",
        url("edit", draft.pk),
        url("inspect", draft.pk),
        url("send", draft.pk),
        url("delete", draft.pk),
        reverse("supporters_consent:index"),
        reverse("supporters_consent:inspect", args=[ConsentEvent.objects.get().pk]),
        reverse("supporters_admin:unsubscribe"),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_the_petitions_menu_offers_updates_and_the_consent_ledger(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Updates to signers" in html
    assert "Consent ledger" in html


def test_an_organiser_writes_a_draft_and_lands_on_its_preview(admin_client, petition, organiser):
    response = form_submit(
        admin_client,
        url("add") + f"?petition={petition.pk}",
        {"petition": petition.pk, "subject": " Good news ", "body": "We won.\r\n\r\nThank you."},
        action=url("add"),
    )

    update = PetitionUpdate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("inspect", update.pk)
    assert (update.subject, update.body) == ("Good news", "We won.\n\nThank you.")
    assert update.created_by == organiser
    assert update.state == UpdateState.DRAFT


def test_the_preview_shows_the_email_and_how_many_it_will_reach(admin_client, signers, draft):
    html = admin_client.get(url("inspect", draft.pk)).content.decode()

    assert "We handed it in" in html
    assert "Thank you all." in html
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in html  # the whole email, escaped into the frame
    assert "Unsubscribe from these updates" in html
    assert "<strong>2 people</strong>" in html
    assert "Send a test to me (organiser@example.org)" in html
    assert url("send", draft.pk) in html


def test_a_test_send_goes_only_to_the_organiser(admin_client, signers, draft):
    response = form_submit(
        admin_client, url("inspect", draft.pk), action=url("test_send", draft.pk)
    )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["organiser@example.org"]
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT


def test_sending_asks_for_confirmation_showing_the_number_of_recipients(
    admin_client, signers, draft
):
    page = admin_client.get(url("send", draft.pk)).content.decode()
    unconfirmed = form_submit(admin_client, url("send", draft.pk), {"confirm": None})

    assert "emailed to <strong>2 people</strong>" in page
    assert unconfirmed.status_code == 200
    assert "Tick the box" in unconfirmed.content.decode()
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT
    assert mail.outbox == []


def test_a_confirmed_send_emails_the_signers_and_the_page_shows_progress(
    admin_client, signers, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = form_submit(admin_client, url("send", draft.pk), {"confirm": "on"})

    assert response.status_code == 302
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.org",
        "grace@example.org",
    ]
    html = admin_client.get(url("inspect", draft.pk)).content.decode()
    assert "Sent to <strong>2</strong> of 2 people." in html
    listing = admin_client.get(url("index")).content.decode()
    assert "2 / 2" in listing


def test_a_sent_update_can_no_longer_be_edited_deleted_or_sent_again(
    admin_client, signers, draft, organiser, django_capture_on_commit_callbacks
):
    # Forms left open in other tabs while the update went out.
    send, delete = (
        find_form(admin_client.get(url(name, draft.pk)).content.decode(), url(name, draft.pk))
        for name in ("send", "delete")
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_update_send(update=draft, user=organiser)

    for name in ("edit", "delete", "send"):
        response = admin_client.get(url(name, draft.pk))
        assert response.status_code == 302, name
        assert response["Location"] == url("inspect", draft.pk)
    admin_client.post(send.action, {**send.values(), "confirm": "on"})
    admin_client.post(delete.action, delete.values())
    assert PetitionUpdate.objects.filter(pk=draft.pk).exists()
    assert len(mail.outbox) == 2


def test_someone_without_the_send_permission_cannot_send(signers, draft):
    editor = get_user_model().objects.create_user("editor", "editor@example.org", "pw")
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_petitionupdate"),
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    assert client.get(url("inspect", draft.pk)).status_code == 200

    refused = post_with_page_token(
        client, url("inspect", draft.pk), url("send", draft.pk), {"confirm": "on"}
    )

    assert refused.status_code == 302  # the admin's "no permission" redirect home
    assert refused["Location"] == reverse("wagtailadmin_home")
    assert mail.outbox == []
    draft.refresh_from_db()
    assert draft.state == UpdateState.DRAFT


def test_an_organiser_can_unsubscribe_someone_who_asked_by_phone(
    admin_client, petition, signers, organiser
):
    other = PetitionPageFactory(title="Save the bandstand")
    ConfirmedSignerFactory(petition=other, email="ada@example.org", name="Ada Lovelace")
    supporter = Supporter.objects.get(email="ada@example.org")

    response = form_submit(
        admin_client, reverse("supporters_admin:unsubscribe"), {"email": "Ada@Example.org"}
    )

    assert response.status_code == 302
    events = ConsentEvent.objects.filter(kind="withdrawn")
    assert {event.petition_id for event in events} == {petition.pk, other.pk}
    assert {(event.source, event.recorded_by) for event in events} == {
        (ConsentSource.ORGANISER, organiser)
    }
    supporter.refresh_from_db()
    assert supporter.status == SupporterStatus.UNSUBSCRIBED
    ledger = admin_client.get(reverse("supporters_consent:index")).content.decode()
    assert "ada@example.org" in ledger

    again = form_submit(
        admin_client,
        reverse("supporters_admin:unsubscribe"),
        {"email": "ada@example.org"},
        follow=True,
    )
    assert "That address was not getting updates. Nothing changed." in again.content.decode()


def test_a_petition_in_the_page_explorer_offers_to_email_its_signers(admin_client, petition):
    html = admin_client.get(reverse("wagtailadmin_explore", args=[petition.get_parent().pk]))

    assert f"{url('add')}?petition={petition.pk}" in html.content.decode()


def test_writing_and_editing_a_draft_shows_in_its_history(admin_client, petition, draft):
    form_submit(
        admin_client,
        url("edit", draft.pk),
        {"petition": petition.pk, "subject": "We handed it in on Tuesday", "body": "Thanks."},
        action=url("edit", draft.pk),
    )

    draft.refresh_from_db()
    assert draft.subject == "We handed it in on Tuesday"
    history = admin_client.get(url("history", draft.pk)).content.decode()
    assert "Edited" in history
