"""Sending an update to its recipients: fixing the list, then emailing it batch by batch.

Called by the background tasks (``supporters.tasks``), each step committed as it happens so
that a crash or a retry never sends anyone the same update twice.
"""

from __future__ import annotations

import datetime
import smtplib
import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from undersigned.supporters import emails, selectors
from undersigned.supporters.models import (
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


def update_lock(update: PetitionUpdate) -> PetitionUpdate:
    """``update`` read again and locked for the rest of the transaction."""
    return PetitionUpdate.objects.select_for_update().select_related("petition").get(pk=update.pk)


def seconds_per_email() -> float:
    return 60.0 / max(1, settings.UNDERSIGNED_EMAIL_RATE_PER_MINUTE)


def batch_size() -> int:
    return max(
        1, min(settings.UNDERSIGNED_EMAIL_BATCH_SIZE, settings.UNDERSIGNED_EMAIL_RATE_PER_MINUTE)
    )


def _deliveries_create(update: PetitionUpdate) -> int:
    emails_iter = selectors.update_recipient_emails(update=update).iterator(chunk_size=CREATE_CHUNK)
    chunk: list[UpdateDelivery] = []
    for email in emails_iter:
        chunk.append(UpdateDelivery(update=update, email=email))
        if len(chunk) >= CREATE_CHUNK:
            UpdateDelivery.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        UpdateDelivery.objects.bulk_create(chunk, ignore_conflicts=True)
    return UpdateDelivery.objects.filter(update=update).count()


def update_deliveries_schedule(
    *, update: PetitionUpdate, batches_enqueue: Callable[[int, list[list[int]]], None]
) -> int:
    """Split what is left to send of ``update`` into batches on the task queue.

    The first run fixes the recipients (one delivery row per address). Once committed, the
    batches go to ``batches_enqueue(update_id, batches)`` (``supporters.tasks`` spreads them
    out in time to keep to the mail server's rate; each also paces itself). Safe to run
    again: it only schedules rows still waiting. Returns the number of batches queued.
    """
    with transaction.atomic():
        update = update_lock(update)
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
        transaction.on_commit(partial(batches_enqueue, update.pk, batches))
    return len(batches)


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
    update = (
        PetitionUpdate.objects.select_related("petition")
        .prefetch_related("wards", "constituencies", "councils")
        .get(pk=update.pk)
    )
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
            if not selectors.update_recipient_still_wanted(update=update, email=delivery.email):
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
