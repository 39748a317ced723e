"""Confirmed opt-in: one email on signing, a link that confirms only by its button, lapsing."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest
from django.core import mail, signing
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.factories import PetitionPageFactory, PostcodeFactory, SupporterFactory, WardFactory
from tests.html_forms import form_submit
from tests.signing import sign
from undersigned.supporters import confirmation, confirmation_tasks
from undersigned.supporters.confirmation import CONFIRMATION_WINDOW
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentKind,
    ConsentSource,
    Supporter,
    SupporterStatus,
)

pytestmark = pytest.mark.django_db

ADA = {"postcode": "CR0 1NY", "email": "Ada@Example.org"}


@pytest.fixture
def signing_commits(django_capture_on_commit_callbacks):
    """Run what signing queues after its commit (the confirmation email), as a worker would."""

    def run(petition, **values):
        with django_capture_on_commit_callbacks(execute=True):
            return sign(petition, **values)

    return run


def confirm_link(message) -> str:
    (url,) = set(re.findall(r"http://testserver(/supporters/confirm/[^\s\"<]+/)", message.body))
    return url


def supporter() -> Supporter:
    return Supporter.objects.get(email="ada@example.org")


def age(supporter: Supporter, by: datetime.timedelta) -> None:
    """Move the supporter's confirmation email ``by`` into the past."""
    Supporter.objects.filter(pk=supporter.pk).update(
        confirmation_sent_at=supporter.confirmation_sent_at - by
    )


# Joining the list


def test_ticking_the_box_puts_the_signer_on_the_list_unconfirmed_with_one_email(
    petition, signing_commits
):
    ward = WardFactory(name="Fairfield")
    PostcodeFactory(postcode="CR0 1NY", ward=ward)

    signature = signing_commits(petition, **ADA, wants_updates=True)

    person = supporter()
    assert person.status == SupporterStatus.UNCONFIRMED
    assert person.name == "Ada Lovelace"
    assert person.postcode == "CR0 1NY"
    assert person.ward_code == ward.code
    assert person.local_authority_code == ward.local_authority_id
    assert person.source_petition_id == petition.pk
    assert person.confirmation_sent_at is not None
    assert signature.state == "counted"
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    assert person.reference in confirm_link(message)
    # The address is not in the link, in any spelling (its token is random letters and digits,
    # which may spell "ada" by chance, but not the domain).
    link = confirm_link(message).lower()
    assert "example.org" not in link
    assert "@" not in link
    assert "%40" not in link


def test_the_email_says_who_sent_it_why_and_what_happens_if_it_is_ignored(
    petition, signing_commits
):
    signing_commits(petition, **ADA, wants_updates=True)

    (message,) = mail.outbox
    assert message.from_email.startswith(f"{petition.organiser_name} <")
    for text in (message.body, message.alternatives[0][0]):
        assert petition.title in text
        assert "ticked the box" in text
        assert "7 days" in text
        assert "we will send you nothing more" in text
        assert "will not be used for updates" in text
        assert confirm_link(message) in text
    assert message.alternatives[0][1] == "text/html"


def test_signing_without_the_box_puts_nobody_on_the_list(petition, signing_commits):
    signing_commits(petition, **ADA, wants_updates=False)

    assert not Supporter.objects.exists()
    assert not mail.outbox


def test_signing_again_within_a_day_sends_no_second_email_but_refreshes_the_details(
    petition, signing_commits
):
    signing_commits(petition, **ADA, wants_updates=True)
    other = PetitionPageFactory(title="Save the library")
    signing_commits(
        other, name="Ada King", postcode="CR0 2AB", email="ada@example.org", wants_updates=True
    )

    person = supporter()
    assert len(mail.outbox) == 1
    assert person.name == "Ada King"
    assert person.postcode == "CR0 2AB"
    assert person.source_petition_id == petition.pk  # where they first signed up
    assert Supporter.objects.count() == 1


def test_signing_again_after_a_day_unconfirmed_sends_a_new_email(petition, signing_commits):
    signing_commits(petition, **ADA, wants_updates=True)
    age(supporter(), datetime.timedelta(hours=25))

    library = PetitionPageFactory(title="Save the library")
    signing_commits(library, **ADA, wants_updates=True)

    assert len(mail.outbox) == 2
    assert "Save the library" in mail.outbox[1].body
    page = Client().get(confirm_link(mail.outbox[1])).content.decode()
    assert "Save the library" in page
    assert supporter().source_petition_id == petition.pk


def test_a_confirmed_supporter_who_signs_again_gets_no_email(petition, signing_commits):
    SupporterFactory(email="ada@example.org")

    signing_commits(petition, **ADA, wants_updates=True)

    assert not mail.outbox
    assert supporter().status == SupporterStatus.CONFIRMED


@pytest.mark.parametrize("status", [SupporterStatus.LAPSED, SupporterStatus.UNSUBSCRIBED])
def test_someone_who_had_left_the_list_and_ticks_again_is_unconfirmed_with_a_new_email(
    petition, signing_commits, status
):
    SupporterFactory(
        email="ada@example.org",
        status=status,
        confirmed_at=None,
        confirmation_sent_at=timezone.now() - datetime.timedelta(days=30),
    )

    signing_commits(petition, **ADA, wants_updates=True)

    assert supporter().status == SupporterStatus.UNCONFIRMED
    assert len(mail.outbox) == 1


def test_a_queue_that_refuses_the_email_does_not_stop_the_signature_counting(
    petition, signing_commits, monkeypatch, caplog
):
    def refuse(**kwargs):
        raise ConnectionError("queue is down")

    # The task object is frozen: the module's name for it is what signing looks up.
    monkeypatch.setattr(
        confirmation_tasks, "supporter_email_confirmation", SimpleNamespace(enqueue=refuse)
    )

    signature = signing_commits(petition, **ADA, wants_updates=True)

    assert signature.state == "counted"
    assert supporter().status == SupporterStatus.UNCONFIRMED
    assert "Could not queue the confirmation email" in caplog.text
    assert not mail.outbox


# The link and its page


def test_opening_the_link_shows_a_confirm_button_and_confirms_nothing(petition, signing_commits):
    signing_commits(petition, **ADA, wants_updates=True)
    link = confirm_link(mail.outbox[0])

    response = Client().get(link)  # what a mail scanner does

    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirm your email address" in html
    assert petition.title in html
    assert "ada@example.org" not in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert response["Referrer-Policy"] == "same-origin"
    assert supporter().status == SupporterStatus.UNCONFIRMED
    assert not ConsentEvent.objects.filter(kind=ConsentKind.CONFIRMED).exists()


def test_pressing_confirm_makes_a_confirmed_supporter_and_records_it_in_the_ledger(
    petition, signing_commits
):
    signing_commits(petition, **ADA, wants_updates=True)
    link = confirm_link(mail.outbox[0])

    response = form_submit(Client(enforce_csrf_checks=True), link, {})

    assert response.status_code == 200
    assert "your email address is confirmed" in response.content.decode()
    person = supporter()
    assert person.status == SupporterStatus.CONFIRMED
    assert person.confirmed_at is not None
    event = ConsentEvent.objects.get(kind=ConsentKind.CONFIRMED)
    assert event.source == ConsentSource.CONFIRMATION_PAGE
    assert event.email == "ada@example.org"
    assert event.petition_id == petition.pk


def test_confirming_twice_says_kindly_that_it_is_already_done(petition, signing_commits):
    signing_commits(petition, **ADA, wants_updates=True)
    link = confirm_link(mail.outbox[0])
    client = Client(enforce_csrf_checks=True)
    form_submit(client, link, {})

    again = client.get(link)

    assert "already confirmed" in again.content.decode()
    assert ConsentEvent.objects.filter(kind=ConsentKind.CONFIRMED).count() == 1


def test_a_post_without_the_pages_csrf_token_confirms_nothing(petition, signing_commits):
    signing_commits(petition, **ADA, wants_updates=True)

    response = Client(enforce_csrf_checks=True).post(confirm_link(mail.outbox[0]))

    assert response.status_code == 403
    assert supporter().status == SupporterStatus.UNCONFIRMED


def test_a_tampered_link_is_refused_with_a_clear_message(petition, signing_commits):
    signing_commits(petition, **ADA, wants_updates=True)
    link = confirm_link(mail.outbox[0])
    token = link.split("/")[-2]
    someone_else = SupporterFactory(status=SupporterStatus.UNCONFIRMED, confirmed_at=None)
    forged = someone_else.reference + ":" + token.split(":", 1)[1]

    for url in (link.replace(token, token[:-2] + "xx"), link.replace(token, forged)):
        response = Client().get(url)
        assert response.status_code == 400
        assert "This confirmation link does not work" in response.content.decode()
    assert supporter().status == SupporterStatus.UNCONFIRMED


def test_a_link_older_than_seven_days_has_expired_and_says_what_to_do(petition):
    person = SupporterFactory(status=SupporterStatus.UNCONFIRMED, confirmed_at=None)
    eight_days_ago = timezone.now() - datetime.timedelta(days=8)
    signer = signing.TimestampSigner(salt=confirmation.CONFIRM_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(eight_days_ago.timestamp()))
    token = signer.sign(person.reference)

    response = Client().get(f"/supporters/confirm/{token}/")

    html = response.content.decode()
    assert response.status_code == 410
    assert "This confirmation link has expired" in html
    assert "sign the petition again" in html
    person.refresh_from_db()
    assert person.status == SupporterStatus.UNCONFIRMED


def test_links_sent_before_the_key_was_rotated_still_work(petition, signing_commits, settings):
    signing_commits(petition, **ADA, wants_updates=True)
    link = confirm_link(mail.outbox[0])

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    response = form_submit(Client(enforce_csrf_checks=True), link, {})

    assert "your email address is confirmed" in response.content.decode()
    assert supporter().status == SupporterStatus.CONFIRMED


def test_a_link_signed_with_a_key_no_longer_kept_does_not_work(petition, signing_commits, settings):
    signing_commits(petition, **ADA, wants_updates=True)
    link = confirm_link(mail.outbox[0])

    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []

    assert Client().get(link).status_code == 400


# Lapsing


def test_an_address_not_confirmed_within_seven_days_lapses_and_the_ledger_says_so(
    petition, signing_commits
):
    signing_commits(petition, **ADA, wants_updates=True)
    on_time = SupporterFactory(
        status=SupporterStatus.UNCONFIRMED,
        confirmed_at=None,
        confirmation_sent_at=timezone.now() - datetime.timedelta(days=6),
    )
    age(supporter(), CONFIRMATION_WINDOW + datetime.timedelta(minutes=1))

    lapsed = confirmation_tasks.supporters_lapse_unconfirmed_task.enqueue().return_value

    assert lapsed == 1
    person = supporter()
    assert person.status == SupporterStatus.LAPSED
    assert person.status_changed_at is not None
    event = ConsentEvent.objects.get(kind=ConsentKind.LAPSED)
    assert event.source == ConsentSource.CONFIRMATION_WINDOW
    assert event.email == "ada@example.org"
    assert event.petition_id == petition.pk
    on_time.refresh_from_db()
    assert on_time.status == SupporterStatus.UNCONFIRMED


def test_a_lapsed_address_cannot_be_confirmed_by_its_old_link(petition, signing_commits):
    signing_commits(petition, **ADA, wants_updates=True)
    link = confirm_link(mail.outbox[0])
    age(supporter(), CONFIRMATION_WINDOW + datetime.timedelta(minutes=1))
    confirmation.supporters_lapse_unconfirmed()

    opened = Client().get(link)
    pressed = Client().post(link)  # the button of a page opened before it lapsed

    for response in (opened, pressed):
        assert "no longer works" in response.content.decode()
        assert "<form" not in response.content.decode().split("<main", 1)[-1]
    assert supporter().status == SupporterStatus.LAPSED
    assert not ConsentEvent.objects.filter(kind=ConsentKind.CONFIRMED).exists()


def test_confirmed_and_unsubscribed_supporters_never_lapse(petition):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    kept = [
        SupporterFactory(confirmation_sent_at=long_ago),
        SupporterFactory(
            status=SupporterStatus.UNSUBSCRIBED, confirmed_at=None, confirmation_sent_at=long_ago
        ),
    ]

    assert confirmation.supporters_lapse_unconfirmed() == 0
    for person in kept:
        before = person.status
        person.refresh_from_db()
        assert person.status == before
    assert not ConsentEvent.objects.filter(kind=ConsentKind.LAPSED).exists()


def test_the_worker_starts_lapsing_as_a_periodic_task(settings):
    assert (
        "undersigned.supporters.confirmation_tasks.supporters_lapse_unconfirmed_schedule"
        in settings.UNDERSIGNED_PERIODIC_TASKS
    )


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_lapsing_is_queued_once_for_the_worker_however_many_workers_start():
    task_path = confirmation_tasks.supporters_lapse_unconfirmed_task.module_path

    assert confirmation_tasks.supporters_lapse_unconfirmed_schedule() is True
    assert confirmation_tasks.supporters_lapse_unconfirmed_schedule() is False

    (waiting,) = DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY)
    assert waiting.args_kwargs["kwargs"] == {"reschedule": True}
