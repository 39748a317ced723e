"""Sending an update: batches on the task queue, at most once per person, at a set rate."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks import default_task_backend

from tests.factories import (
    ConfirmedSignerFactory,
    PetitionPageFactory,
    PetitionUpdateFactory,
    SignatureFactory,
    UpdateDeliveryFactory,
    site_home,
)
from tests.supporters.backends import CrashingEmailBackend
from undersigned.petitions.models import SignatureState
from undersigned.site.errors import ApplicationError
from undersigned.supporters import ledger, sending, services, tasks
from undersigned.supporters.models import (
    ConsentSource,
    DeliveryState,
    PetitionUpdate,
    UpdateDelivery,
    UpdateState,
)

CRASHING = "tests.supporters.backends.CrashingEmailBackend"
REFUSING = "tests.supporters.backends.RefusingEmailBackend"


@pytest.fixture
def audience(petition):
    """Five consenting addresses, and signers who must never get an update."""
    consenting = [
        ConfirmedSignerFactory(petition=petition, email=f"yes{n}@example.org").email
        for n in range(5)
    ]
    ConfirmedSignerFactory(
        petition=petition, email="yes0@example.org", state=SignatureState.DUPLICATE
    )
    SignatureFactory(petition=petition, email="no-box@example.org")
    ConfirmedSignerFactory(
        petition=petition, email="invalid@example.org", state=SignatureState.INVALIDATED
    )
    ConfirmedSignerFactory(petition=petition, email="gone@example.org")
    ledger.supporter_unsubscribe(
        email="gone@example.org", petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
    )
    return sorted(consenting)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def send(update, user, capture) -> None:
    with capture(execute=True):
        services.petition_update_send(update=update, user=user)


@pytest.mark.django_db
def test_an_update_goes_once_to_each_consenting_address_and_to_nobody_else(
    petition, audience, organiser, django_capture_on_commit_callbacks, settings
):
    settings.UNDERSIGNED_EMAIL_BATCH_SIZE = 2
    update = PetitionUpdateFactory(petition=petition)

    send(update, organiser, django_capture_on_commit_callbacks)

    assert recipients() == audience
    update.refresh_from_db()
    assert update.state == UpdateState.SENT
    assert update.recipient_total == update.sent_count == 5
    assert update.sent_at is not None
    assert update.queued_by == organiser
    assert set(update.deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}


@pytest.mark.django_db
def test_nothing_is_sent_until_the_send_is_committed(
    petition, audience, organiser, django_capture_on_commit_callbacks
):
    update = PetitionUpdateFactory(petition=petition)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.petition_update_send(update=update, user=organiser)

    assert mail.outbox == []
    assert len(callbacks) == 1
    update.refresh_from_db()
    assert update.state == UpdateState.QUEUED


@pytest.mark.django_db
def test_a_crash_mid_batch_then_a_retry_sends_exactly_one_email_per_consenting_recipient(
    petition, audience, organiser, django_capture_on_commit_callbacks, settings
):
    settings.UNDERSIGNED_EMAIL_BATCH_SIZE = 2
    update = PetitionUpdateFactory(petition=petition)
    CrashingEmailBackend.allowed = 3  # the mail server drops us part-way through batch two

    with override_settings(EMAIL_BACKEND=CRASHING):
        send(update, organiser, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 3
    update.refresh_from_db()
    assert update.state == UpdateState.SENDING
    assert update.sent_count == 3
    waiting = update.deliveries.filter(state=DeliveryState.PENDING)
    assert waiting.count() == 2  # the one that failed, and the last batch's, which failed too
    assert all("SMTPServerDisconnected" in delivery.error for delivery in waiting)

    with django_capture_on_commit_callbacks(execute=True):
        services.petition_update_resume(update=update)

    assert recipients() == audience
    update.refresh_from_db()
    assert update.state == UpdateState.SENT
    assert update.sent_count == update.recipient_total == 5


@pytest.mark.django_db
def test_running_a_batch_again_sends_nobody_a_second_email(
    petition, audience, organiser, django_capture_on_commit_callbacks
):
    update = PetitionUpdateFactory(petition=petition)
    send(update, organiser, django_capture_on_commit_callbacks)
    ids = list(UpdateDelivery.objects.filter(update=update).values_list("pk", flat=True))
    PetitionUpdate.objects.filter(pk=update.pk).update(state=UpdateState.SENDING)

    assert sending.update_deliveries_send(update=update, delivery_ids=ids) == 0
    assert recipients() == audience


# Committed rows, so that the two threads see them; like the sign-flow concurrency tests,
# the database's migrated rows are put back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_on_the_same_batch_send_each_email_once():
    site_home()
    petition = PetitionPageFactory()
    for n in range(12):
        ConfirmedSignerFactory(petition=petition, email=f"race{n}@example.org")
    update = PetitionUpdateFactory(petition=petition, state=UpdateState.QUEUED)
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        sending.update_deliveries_schedule(update=update, batches_enqueue=tasks.batches_enqueue)
    ids = list(UpdateDelivery.objects.filter(update=update).values_list("pk", flat=True))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            sending.update_deliveries_send(update=update, delivery_ids=ids)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert recipients() == sorted(f"race{n}@example.org" for n in range(12))
    update.refresh_from_db()
    assert update.sent_count == 12
    assert update.state == UpdateState.SENT


@pytest.mark.django_db
def test_someone_who_unsubscribes_while_an_update_is_going_out_is_not_sent_it(
    petition, audience, django_capture_on_commit_callbacks
):
    update = PetitionUpdateFactory(petition=petition, state=UpdateState.QUEUED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        # Recipients fixed, batches queued.
        sending.update_deliveries_schedule(update=update, batches_enqueue=tasks.batches_enqueue)
    ledger.supporter_unsubscribe(
        email="yes1@example.org", petition=petition, source=ConsentSource.UNSUBSCRIBE_LINK
    )

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    assert recipients() == [email for email in audience if email != "yes1@example.org"]
    assert update.deliveries.get(email="yes1@example.org").state == DeliveryState.SKIPPED
    update.refresh_from_db()
    assert update.state == UpdateState.SENT


@pytest.mark.django_db
def test_a_refused_address_is_marked_failed_and_the_rest_still_get_the_update(
    petition, audience, organiser, django_capture_on_commit_callbacks
):
    ConfirmedSignerFactory(petition=petition, email="nobody@refused.example.org")
    update = PetitionUpdateFactory(petition=petition)

    with override_settings(EMAIL_BACKEND=REFUSING):
        send(update, organiser, django_capture_on_commit_callbacks)

    assert recipients() == audience
    refused = update.deliveries.get(email="nobody@refused.example.org")
    assert refused.state == DeliveryState.FAILED
    assert "550" in refused.error
    update.refresh_from_db()
    assert update.state == UpdateState.SENT
    assert (update.sent_count, update.recipient_total) == (5, 6)


@pytest.mark.django_db
def test_an_email_interrupted_after_its_claim_is_not_sent_again_when_sending_resumes(
    petition, audience, django_capture_on_commit_callbacks
):
    update = PetitionUpdateFactory(petition=petition, state=UpdateState.SENDING, recipient_total=1)
    UpdateDeliveryFactory(
        update=update,
        email="yes0@example.org",
        state=DeliveryState.SENDING,
        attempts=1,
        claimed_at=timezone.now() - datetime.timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.petition_update_resume(update=update)

    assert mail.outbox == []
    interrupted = update.deliveries.get()
    assert interrupted.state == DeliveryState.FAILED
    assert "not sent again" in interrupted.error
    update.refresh_from_db()
    assert update.state == UpdateState.SENT


@pytest.mark.django_db
def test_batches_are_spread_out_in_time_to_keep_to_the_mail_servers_rate(
    petition, audience, settings, django_capture_on_commit_callbacks
):
    settings.UNDERSIGNED_EMAIL_RATE_PER_MINUTE = 60  # one a second: a batch of two is 2 s
    settings.UNDERSIGNED_EMAIL_BATCH_SIZE = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    update = PetitionUpdateFactory(petition=petition, state=UpdateState.QUEUED)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        batches = sending.update_deliveries_schedule(
            update=update, batches_enqueue=tasks.batches_enqueue
        )

    results = [
        result
        for result in default_task_backend.results
        if result.task.name == "supporter_email_update"
    ]
    assert batches == 3
    assert [len(result.kwargs["delivery_ids"]) for result in results] == [2, 2, 1]
    assert results[0].task.run_after is None
    offsets = [(result.task.run_after - before).total_seconds() for result in results[1:]]
    assert offsets[0] == pytest.approx(2.0, abs=0.5)
    assert offsets[1] == pytest.approx(4.0, abs=0.5)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_batch_paces_itself_to_the_rate(petition, organiser, settings):
    settings.UNDERSIGNED_EMAIL_RATE_PER_MINUTE = 600  # one email every 0.1 s
    for n in range(3):
        ConfirmedSignerFactory(petition=petition, email=f"paced{n}@example.org")
    update = PetitionUpdateFactory(petition=petition, state=UpdateState.SENDING)
    ids = [UpdateDeliveryFactory(update=update, email=f"paced{n}@example.org").pk for n in range(3)]
    PetitionUpdate.objects.filter(pk=update.pk).update(recipient_total=3)

    started = time.monotonic()
    sent = sending.update_deliveries_send(update=update, delivery_ids=ids)

    assert sent == 3
    assert time.monotonic() - started >= 0.2


@pytest.mark.django_db
def test_every_update_email_carries_one_click_unsubscribe_headers_and_link(
    petition, organiser, django_capture_on_commit_callbacks
):
    ConfirmedSignerFactory(petition=petition, email="ada@example.org")
    update = PetitionUpdateFactory(
        petition=petition, subject="We handed it in", body="Thank you.\n\nSee https://example.org"
    )

    send(update, organiser, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<http://testserver/unsubscribe/") and link.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link[1:-1] in message.body
    assert message.subject == "We handed it in"
    assert "Thank you." in message.body
    assert message.from_email.startswith("Northfield Residents <")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<a href="https://example.org"' in html
    assert link[1:-1] in html
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db
def test_a_test_send_goes_only_to_the_organiser(petition, audience, organiser):
    update = PetitionUpdateFactory(petition=petition)

    address = services.petition_update_test_send(update=update, user=organiser)

    assert address == "organiser@example.org"
    (message,) = mail.outbox
    assert message.to == ["organiser@example.org"]
    assert message.subject.startswith("[Test] ")
    assert "only you" in message.body
    update.refresh_from_db()
    assert update.state == UpdateState.DRAFT
    assert not update.deliveries.exists()


@pytest.mark.django_db
def test_an_organiser_without_an_email_address_is_told_how_to_get_a_test(petition, organiser):
    organiser.email = ""
    update = PetitionUpdateFactory(petition=petition)

    with pytest.raises(ApplicationError, match="no email address"):
        services.petition_update_test_send(update=update, user=organiser)
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_update_is_sent_once_and_a_sent_update_cannot_be_changed(
    petition, audience, organiser, django_capture_on_commit_callbacks
):
    update = PetitionUpdateFactory(petition=petition)
    send(update, organiser, django_capture_on_commit_callbacks)

    with pytest.raises(ApplicationError):
        services.petition_update_send(update=update, user=organiser)
    with pytest.raises(ApplicationError):
        services.petition_update_edit(update=update, petition=petition, subject="x", body="y")
    with pytest.raises(ApplicationError):
        services.petition_update_delete(update=update)
    assert len(mail.outbox) == len(audience)


@pytest.mark.django_db
def test_an_update_with_nobody_to_send_to_is_refused(petition, organiser):
    SignatureFactory(petition=petition)
    update = PetitionUpdateFactory(petition=petition)

    with pytest.raises(ApplicationError, match="Nobody"):
        services.petition_update_send(update=update, user=organiser)


@pytest.mark.django_db
def test_writing_an_update_tidies_it_and_needs_a_subject_and_a_message(petition, organiser):
    update = services.petition_update_create(
        petition=petition,
        subject="  Good   news ",
        body="First paragraph.  \r\n\r\n\r\n\r\nSecond.\x00",
        created_by=organiser,
    )

    assert update.subject == "Good news"
    assert update.body == "First paragraph.\n\nSecond."
    assert update.state == UpdateState.DRAFT
    with pytest.raises(ApplicationError, match="subject"):
        services.petition_update_create(petition=petition, subject=" ", body="Hello")
    with pytest.raises(ApplicationError, match="message"):
        services.petition_update_create(petition=petition, subject="Hello", body="\n \n")
