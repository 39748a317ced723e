"""Writes for supporters: the consent ledger, unsubscribing, and emailing updates to signers.

Sending an update is at most once per person. Each delivery row is claimed (``pending`` ->
``sending``) by a conditional UPDATE that only one worker can win, the mail server is
called, and only then is the row marked ``sent``. If the mail server fails, the claim is
released and the batch stops; sending again (a retry, or "Resume sending" in the admin)
picks up only the rows still waiting. A process killed between the mail server accepting a
message and the row being marked leaves it ``sending``: after a while it is marked failed
rather than retried, because it may already have arrived.
"""

from __future__ import annotations

import datetime
import smtplib
import time
import unicodedata
from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from undersigned.petitions.models import PetitionPage, Signature
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text
from undersigned.supporters import emails, selectors
from undersigned.supporters.consent import ConsentMessages, email_normalise
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentKind,
    ConsentScope,
    ConsentSource,
    DeliveryState,
    PetitionUpdate,
    UpdateDelivery,
    UpdateState,
)

# A delivery whose mail-server call fails this many times is given up on.
MAX_ATTEMPTS = 3
# A claim older than this belongs to a worker that died mid-send.
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
CREATE_CHUNK = 2000


class UpdateMessages:
    """What an organiser (or a signer) is told when a request cannot be carried out."""

    SOURCE_UNKNOWN = ConsentMessages.SOURCE_UNKNOWN
    SUBJECT_MISSING = gettext_lazy("Enter a subject")
    SUBJECT_TOO_LONG = gettext_lazy("The subject must be 150 characters or fewer")
    BODY_MISSING = gettext_lazy("Write the message")
    BODY_TOO_LONG = gettext_lazy("The message must be 20,000 characters or fewer")
    NOT_DRAFT = gettext_lazy(
        "This update has already been sent (or is being sent), so it can no longer be changed."
    )
    ALREADY_SENT = gettext_lazy("This update has already been sent, or is being sent.")
    NO_RECIPIENTS = gettext_lazy(
        "Nobody who signed this petition has asked for updates yet, so there is no one to "
        "send it to."
    )
    NO_TEST_ADDRESS = gettext_lazy(
        "Your account has no email address. Add one under Account in the admin menu, then "
        "send the test again."
    )
    TEST_FAILED = gettext_lazy("The test email could not be sent: %(error)s")
    NOT_SENDING = gettext_lazy("Only an update that is being sent can be resumed.")
    EMAIL_INVALID = gettext_lazy("Enter an email address, like name@example.com")


# The consent ledger (consents given are recorded by supporters.consent, below petitions)


@transaction.atomic
def supporter_unsubscribe(
    *,
    email: str,
    petition: PetitionPage,
    source: str,
    recorded_by: AbstractBaseUser | None = None,
) -> ConsentEvent | None:
    """Stop updates about ``petition`` to ``email``, now, and record it in the ledger.

    Every signature of that petition with that email stops wanting updates, and any of the
    petition's updates still waiting to go to that address are skipped. Returns the ledger
    entry, or ``None`` if the address was not (or no longer) getting updates.
    """
    if source not in ConsentSource.values:
        raise ApplicationError(str(UpdateMessages.SOURCE_UNKNOWN), extra={"source": source})
    email = email_normalise(email)
    if not email:
        raise ApplicationError(str(UpdateMessages.EMAIL_INVALID))
    signatures = list(
        Signature.objects.select_for_update()
        .filter(petition=petition, email=email, wants_updates=True)
        .order_by("-consented_at", "-pk")
    )
    if not signatures:
        return None
    latest = signatures[0]
    Signature.objects.filter(pk__in=[signature.pk for signature in signatures]).update(
        wants_updates=False, consented_at=None
    )
    UpdateDelivery.objects.filter(
        update__petition=petition, email=email, state=DeliveryState.PENDING
    ).update(state=DeliveryState.SKIPPED, error="Unsubscribed before it was sent.")
    return ConsentEvent.objects.create(
        email=email,
        petition=petition,
        scope=ConsentScope.PETITION_UPDATES,
        wording=latest.consent_text,
        wording_version=latest.consent_version,
        kind=ConsentKind.WITHDRAWN,
        source=source,
        signature=latest,
        recorded_by=recorded_by,
    )


@transaction.atomic
def supporter_records_anonymise(*, petition: PetitionPage, email: str | None = None) -> int:
    """Remove email addresses from ``petition``'s consent ledger and update deliveries.

    For retention and erasure: the ledger keeps what was agreed, in which words and when,
    but no longer whose address it was; the per-address delivery rows go (each update keeps
    its totals). ``email`` limits it to one person. Returns how many ledger entries changed.
    """
    events = ConsentEvent.objects.filter(petition=petition).exclude(email="")
    deliveries = UpdateDelivery.objects.filter(update__petition=petition)
    if email is not None:
        events = events.filter(email=email_normalise(email))
        deliveries = deliveries.filter(email=email_normalise(email))
    deliveries.delete()
    return events.update(email="")


# Writing an update


def _clean_body(value: str) -> str:
    """Keep paragraphs; drop control characters, trailing spaces and runs of blank lines."""
    lines: list[str] = []
    for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        kept = "".join(
            ch for ch in line if ch == "\t" or unicodedata.category(ch)[0] != "C"
        ).rstrip()
        if kept or (lines and lines[-1]):
            lines.append(kept)
    return "\n".join(lines).strip()


def _update_clean(*, subject: str, body: str) -> tuple[str, str]:
    subject, body = clean_text(subject), _clean_body(body)
    if not subject:
        raise ApplicationError(str(UpdateMessages.SUBJECT_MISSING))
    if len(subject) > PetitionUpdate._meta.get_field("subject").max_length:
        raise ApplicationError(str(UpdateMessages.SUBJECT_TOO_LONG))
    if not body:
        raise ApplicationError(str(UpdateMessages.BODY_MISSING))
    if len(body) > PetitionUpdate._meta.get_field("body").max_length:
        raise ApplicationError(str(UpdateMessages.BODY_TOO_LONG))
    return subject, body


def _update_lock(update: PetitionUpdate) -> PetitionUpdate:
    return PetitionUpdate.objects.select_for_update().select_related("petition").get(pk=update.pk)


@transaction.atomic
def petition_update_create(
    *,
    petition: PetitionPage,
    subject: str,
    body: str,
    created_by: AbstractBaseUser | None = None,
) -> PetitionUpdate:
    """A draft update for ``petition``: nothing is sent until :func:`petition_update_send`."""
    subject, body = _update_clean(subject=subject, body=body)
    return PetitionUpdate.objects.create(
        petition=petition, subject=subject, body=body, created_by=created_by
    )


@transaction.atomic
def petition_update_edit(
    *, update: PetitionUpdate, petition: PetitionPage, subject: str, body: str
) -> PetitionUpdate:
    """Change a draft. Raises :class:`ApplicationError` once it has been sent."""
    update = _update_lock(update)
    if not update.is_draft:
        raise ApplicationError(str(UpdateMessages.NOT_DRAFT), extra={"state": update.state})
    update.subject, update.body = _update_clean(subject=subject, body=body)
    update.petition = petition
    update.save(update_fields=["petition", "subject", "body"])
    return update


@transaction.atomic
def petition_update_delete(*, update: PetitionUpdate) -> None:
    """Throw away a draft. A sent update stays, as the record of what signers were sent."""
    update = _update_lock(update)
    if not update.is_draft:
        raise ApplicationError(str(UpdateMessages.NOT_DRAFT), extra={"state": update.state})
    update.delete()


def petition_update_test_send(*, update: PetitionUpdate, user: AbstractBaseUser) -> str:
    """Email the update to ``user`` only, marked as a test. Returns the address it went to.

    Sent straight away rather than queued, so that the organiser hears at once if the mail
    server refuses it. The unsubscribe link in it is the organiser's own.
    """
    address = email_normalise(getattr(user, "email", "") or "")
    if not address:
        raise ApplicationError(str(UpdateMessages.NO_TEST_ADDRESS))
    update = PetitionUpdate.objects.select_related("petition").get(pk=update.pk)
    sender = emails.update_sender(update=update)
    message = emails.update_message(update=update, email=address, sender=sender, test=True)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        raise ApplicationError(str(UpdateMessages.TEST_FAILED) % {"error": error}) from error
    return address


# Sending an update


@transaction.atomic
def petition_update_send(*, update: PetitionUpdate, user: AbstractBaseUser) -> PetitionUpdate:
    """Queue a draft to go to everyone who asked for updates on its petition.

    The background task fixes the list of recipients and sends in batches; this only checks
    that there is someone to send to and that the update has not gone already.
    """
    update = _update_lock(update)
    if not update.is_draft:
        raise ApplicationError(str(UpdateMessages.ALREADY_SENT), extra={"state": update.state})
    if not selectors.update_recipient_count(petition=update.petition):
        raise ApplicationError(str(UpdateMessages.NO_RECIPIENTS))
    update.state = UpdateState.QUEUED
    update.queued_at = timezone.now()
    update.queued_by = user
    update.save(update_fields=["state", "queued_at", "queued_by"])
    transaction.on_commit(partial(_schedule_enqueue, update.pk))
    return update


@transaction.atomic
def petition_update_resume(*, update: PetitionUpdate) -> PetitionUpdate:
    """Start sending again after a failure: only the emails that have not gone are sent."""
    update = _update_lock(update)
    if update.state not in (UpdateState.QUEUED, UpdateState.SENDING):
        raise ApplicationError(str(UpdateMessages.NOT_SENDING), extra={"state": update.state})
    transaction.on_commit(partial(_schedule_enqueue, update.pk))
    return update


def _schedule_enqueue(update_id: int) -> None:
    from undersigned.supporters import tasks

    tasks.supporters_email_update.enqueue(update_id=update_id)


def seconds_per_email() -> float:
    return 60.0 / max(1, settings.UNDERSIGNED_EMAIL_RATE_PER_MINUTE)


def batch_size() -> int:
    return max(
        1, min(settings.UNDERSIGNED_EMAIL_BATCH_SIZE, settings.UNDERSIGNED_EMAIL_RATE_PER_MINUTE)
    )


def _deliveries_create(update: PetitionUpdate) -> int:
    emails_iter = selectors.update_recipient_emails(petition=update.petition).iterator(
        chunk_size=CREATE_CHUNK
    )
    chunk: list[UpdateDelivery] = []
    for email in emails_iter:
        chunk.append(UpdateDelivery(update=update, email=email))
        if len(chunk) >= CREATE_CHUNK:
            UpdateDelivery.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        UpdateDelivery.objects.bulk_create(chunk, ignore_conflicts=True)
    return UpdateDelivery.objects.filter(update=update).count()


def update_deliveries_schedule(*, update: PetitionUpdate) -> int:
    """Split what is left to send of ``update`` into batches on the task queue.

    The first run fixes the recipients (one delivery row per address). Batches are spread
    out in time (``run_after``) so that together they keep to the mail server's rate; each
    also paces itself. Safe to run again: it only schedules rows still waiting. Returns the
    number of batches queued.
    """
    with transaction.atomic():
        update = _update_lock(update)
        if update.state == UpdateState.QUEUED:
            update.recipient_total = _deliveries_create(update)
            update.state = UpdateState.SENDING
            update.save(update_fields=["recipient_total", "state"])
        elif update.state != UpdateState.SENDING:
            return 0
        UpdateDelivery.objects.filter(
            update=update,
            state=DeliveryState.SENDING,
            claimed_at__lt=timezone.now() - CLAIM_TIMEOUT,
        ).update(
            state=DeliveryState.FAILED,
            error="Interrupted while sending: it may have gone, so it was not sent again.",
        )
        waiting = list(
            UpdateDelivery.objects.filter(update=update, state=DeliveryState.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not waiting:
            _update_finish_if_done(update)
            return 0
        size = batch_size()
        batches = [waiting[i : i + size] for i in range(0, len(waiting), size)]
        transaction.on_commit(partial(_batches_enqueue, update.pk, batches))
    return len(batches)


def _batches_enqueue(update_id: int, batches: list[list[int]]) -> None:
    from undersigned.supporters import tasks

    task = tasks.supporter_email_update
    defers = task.get_backend().supports_defer
    start = timezone.now()
    offset = 0.0
    for batch in batches:
        if defers and offset:
            run_after = start + datetime.timedelta(seconds=offset)
            task.using(run_after=run_after).enqueue(update_id=update_id, delivery_ids=batch)
        else:
            task.enqueue(update_id=update_id, delivery_ids=batch)
        offset += len(batch) * seconds_per_email()


def _delivery_claim(*, update: PetitionUpdate, delivery_id: int) -> UpdateDelivery | None:
    claimed = UpdateDelivery.objects.filter(
        pk=delivery_id, update=update, state=DeliveryState.PENDING
    ).update(state=DeliveryState.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    if claimed != 1:
        return None  # sent, skipped or being sent by someone else
    return UpdateDelivery.objects.get(pk=delivery_id)


def _delivery_close(delivery: UpdateDelivery, *, state: str, error: str = "") -> None:
    UpdateDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
        state=state, error=error[:500]
    )


def _delivery_mark_sent(*, update: PetitionUpdate, delivery: UpdateDelivery) -> None:
    with transaction.atomic():
        marked = UpdateDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
            state=DeliveryState.SENT, sent_at=timezone.now(), error=""
        )
        if marked:
            PetitionUpdate.objects.filter(pk=update.pk).update(sent_count=F("sent_count") + 1)


def _update_finish_if_done(update: PetitionUpdate) -> bool:
    unfinished = UpdateDelivery.objects.filter(
        update=update, state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
    )
    if unfinished.exists():
        return False
    return bool(
        PetitionUpdate.objects.filter(pk=update.pk, state=UpdateState.SENDING).update(
            state=UpdateState.SENT, sent_at=timezone.now()
        )
    )


def update_deliveries_send(*, update: PetitionUpdate, delivery_ids: list[int]) -> int:
    """Email one batch of an update, each address at most once, at the configured rate.

    Not one transaction on purpose: each claim and each "sent" must be committed as it
    happens, or a crash would forget them and a retry would send again. A mail-server
    error releases the claim on that address and stops the batch (the error propagates so
    the task shows as failed); an address the server refuses outright is marked failed and
    the batch goes on. Returns how many emails were sent.
    """
    update = PetitionUpdate.objects.select_related("petition").get(pk=update.pk)
    if update.state != UpdateState.SENDING:
        return 0
    sender = emails.update_sender(update=update)
    spacing = seconds_per_email()
    sent = 0
    last_send: float | None = None
    with get_connection() as connection:
        for delivery_id in delivery_ids:
            delivery = _delivery_claim(update=update, delivery_id=delivery_id)
            if delivery is None:
                continue
            if not selectors.supporter_wants_updates(
                email=delivery.email, petition=update.petition_id
            ):
                _delivery_close(
                    delivery, state=DeliveryState.SKIPPED, error="No longer wants updates."
                )
                continue
            if last_send is not None:
                time.sleep(max(0.0, spacing - (time.monotonic() - last_send)))
            last_send = time.monotonic()
            try:
                emails.update_message(
                    update=update, email=delivery.email, sender=sender, connection=connection
                ).send()
            except smtplib.SMTPRecipientsRefused as error:
                _delivery_close(delivery, state=DeliveryState.FAILED, error=str(error))
                continue
            except Exception as error:
                gave_up = delivery.attempts >= MAX_ATTEMPTS
                _delivery_close(
                    delivery,
                    state=DeliveryState.FAILED if gave_up else DeliveryState.PENDING,
                    error=f"{type(error).__name__}: {error}",
                )
                raise
            _delivery_mark_sent(update=update, delivery=delivery)
            sent += 1
    _update_finish_if_done(update)
    return sent
