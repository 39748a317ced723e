"""The unsubscribe link: asks first, works once, without login, cookies or a CSRF token."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tests.factories import ConfirmedSignerFactory, PetitionUpdateFactory, SupporterSignatureFactory
from undersigned.supporters import services
from undersigned.supporters.models import ConsentEvent, ConsentKind, ConsentSource
from undersigned.supporters.unsubscribe import unsubscribe_token_make, unsubscribe_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def supporter(petition):
    """A signer who asked for updates and confirmed their address (so updates reach them)."""
    return ConfirmedSignerFactory(petition=petition, email="ada@example.org")


@pytest.fixture
def link(supporter) -> str:
    return unsubscribe_url(email=supporter.email, petition_id=supporter.petition_id).removeprefix(
        "http://testserver"
    )


def withdrawals() -> int:
    return ConsentEvent.objects.filter(kind=ConsentKind.WITHDRAWN).count()


def still_subscribed(signature) -> bool:
    signature.refresh_from_db()
    return signature.wants_updates


def test_opening_the_link_asks_for_confirmation_and_changes_nothing(client, supporter, link):
    response = client.get(link)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Unsubscribe from updates?" in html
    assert "ada@example.org" in html
    assert supporter.petition.title in html
    assert '<form method="post">' in html
    assert still_subscribed(supporter)
    assert withdrawals() == 0
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_pressing_the_button_unsubscribes_at_once_and_records_it(client, supporter, link):
    response = client.post(link, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You have been unsubscribed" in response.content.decode()
    assert not still_subscribed(supporter)
    event = ConsentEvent.objects.get(kind=ConsentKind.WITHDRAWN)
    assert event.source == ConsentSource.UNSUBSCRIBE_LINK
    assert event.email == "ada@example.org"


def test_the_link_works_once_and_then_says_you_are_already_unsubscribed(client, supporter, link):
    client.post(link)

    again = client.post(link)
    opened = client.get(link)

    for response in (again, opened):
        assert response.status_code == 200
        assert "You are already unsubscribed" in response.content.decode()
    assert withdrawals() == 1


def test_a_mail_programs_one_click_post_needs_no_csrf_token_login_or_cookie(supporter, link):
    mail_program = Client(enforce_csrf_checks=True)

    response = mail_program.post(
        link,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert not still_subscribed(supporter)
    assert not response.cookies


def test_a_tampered_link_is_refused_with_a_clear_message(client, supporter, link):
    token = link.split("/")[-2]
    forged = unsubscribe_token_make(email="grace@example.org", petition_id=supporter.petition_id)
    tampered = [
        link.replace(token, token[:-3] + ("aaa" if token[-3:] != "aaa" else "bbb")),
        link.replace(token, forged.split(":")[0] + ":" + token.split(":", 1)[1]),
        "/unsubscribe/not-a-token/",
    ]

    for url in tampered:
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 400
            html = response.content.decode()
            assert "This unsubscribe link does not work" in html
            assert "nobody has been unsubscribed" in html
    assert still_subscribed(supporter)
    assert withdrawals() == 0


def test_a_link_only_unsubscribes_from_its_own_petition(client, supporter, link):
    elsewhere = SupporterSignatureFactory(email="ada@example.org")

    client.post(link)

    assert not still_subscribed(supporter)
    assert still_subscribed(elsewhere)


def test_the_link_in_a_sent_update_unsubscribes_its_reader(
    client, supporter, organiser, django_capture_on_commit_callbacks
):
    update = PetitionUpdateFactory(petition=supporter.petition)
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_update_send(update=update, user=organiser)
    (message,) = mail.outbox
    header_link = message.extra_headers["List-Unsubscribe"].strip("<>")

    response = Client(enforce_csrf_checks=True).post(
        header_link.removeprefix("http://testserver"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert not still_subscribed(supporter)
