"""The unsubscribe link: asks first, works once, without login, cookies or a CSRF token, and
names the supporter by an opaque reference, never by their address."""

from __future__ import annotations

import pytest
from django.core import mail, signing
from django.test import Client

from tests.factories import (
    ConfirmedSignerFactory,
    PetitionUpdateFactory,
    SupporterFactory,
    SupporterSignatureFactory,
)
from undersigned.supporters import services
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentKind,
    ConsentSource,
    Supporter,
    SupporterStatus,
)
from undersigned.supporters.unsubscribe import (
    LEGACY_SALT,
    SALT,
    unsubscribe_token_make,
    unsubscribe_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def supporter(petition):
    """A signer who asked for updates and confirmed their address (so updates reach them)."""
    return ConfirmedSignerFactory(petition=petition, email="ada@example.org")


def on_the_list() -> Supporter:
    return Supporter.objects.get(email="ada@example.org")


@pytest.fixture
def link(supporter) -> str:
    url = unsubscribe_url(reference=on_the_list().reference, petition_id=supporter.petition_id)
    return url.removeprefix("http://testserver")


def legacy_link(*, email: str, petition_id: int) -> str:
    """A link as emails carried them before references: the address signed into the token."""
    token = signing.dumps({"e": email, "p": petition_id}, salt=LEGACY_SALT, compress=True)
    return f"/unsubscribe/{token}/"


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
    assert "a…@example.org" in html
    assert "ada@example.org" not in html
    assert supporter.petition.organiser_name in html
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
    assert on_the_list().status == SupporterStatus.UNSUBSCRIBED


def test_the_link_carries_no_address(supporter, link):
    token = link.split("/")[-2]

    assert "ada" not in link.lower()
    assert signing.loads(token, salt=SALT) == {
        "r": on_the_list().reference,
        "p": supporter.petition_id,
    }


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
    grace = SupporterFactory(email="grace@example.org")
    forged = unsubscribe_token_make(reference=grace.reference, petition_id=supporter.petition_id)
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


def test_a_link_takes_the_person_off_the_whole_list(client, supporter, link):
    elsewhere = SupporterSignatureFactory(email="ada@example.org")
    someone_else = SupporterSignatureFactory(petition=supporter.petition, email="bo@example.org")

    client.post(link)

    assert not still_subscribed(supporter)
    assert not still_subscribed(elsewhere)
    assert still_subscribed(someone_else)
    assert withdrawals() == 2
    assert on_the_list().status == SupporterStatus.UNSUBSCRIBED


def test_a_link_sent_before_references_still_unsubscribes(client, supporter):
    old = legacy_link(email="ada@example.org", petition_id=supporter.petition_id)

    opened = client.get(old)
    pressed = Client(enforce_csrf_checks=True).post(
        old, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert "Unsubscribe from updates?" in opened.content.decode()
    assert "You have been unsubscribed" in pressed.content.decode()
    assert not still_subscribed(supporter)
    assert on_the_list().status == SupporterStatus.UNSUBSCRIBED


def test_an_old_link_of_someone_not_on_the_list_unsubscribes_them_from_its_petition(client):
    signature = SupporterSignatureFactory(email="old@example.org")

    response = client.post(legacy_link(email="old@example.org", petition_id=signature.petition_id))

    assert "You have been unsubscribed" in response.content.decode()
    assert not still_subscribed(signature)
    assert withdrawals() == 1


def test_a_tampered_old_style_link_is_refused(client, supporter):
    old = legacy_link(email="ada@example.org", petition_id=supporter.petition_id)

    response = client.post(old[:-4] + "AAA/")

    assert response.status_code == 400
    assert still_subscribed(supporter)


def test_old_and_new_links_work_across_a_key_rotation(client, supporter, link, settings):
    old = legacy_link(email="ada@example.org", petition_id=supporter.petition_id)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-key-" + "y" * 50

    for url in (link, old):
        assert "Unsubscribe from updates?" in client.get(url).content.decode()


def test_the_sample_link_of_a_test_copy_unsubscribes_nobody(client, supporter):
    sample = unsubscribe_url(reference="", petition_id=supporter.petition_id)

    response = client.post(sample.removeprefix("http://testserver"))

    assert "test copy" in response.content.decode()
    assert still_subscribed(supporter)
    assert withdrawals() == 0


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
