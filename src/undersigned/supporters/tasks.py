"""Background tasks for updates to signers: fan out to batches, then email each batch."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from undersigned.supporters import sending
from undersigned.supporters.models import PetitionUpdate


@task()
def supporters_email_update(*, update_id: int) -> int:
    """Queue the batches of an update that are still to go (also used to resume sending)."""
    update = PetitionUpdate.objects.filter(pk=update_id).first()
    if update is None:
        return 0
    return sending.update_deliveries_schedule(update=update, batches_enqueue=batches_enqueue)


@task()
def supporter_email_update(*, update_id: int, delivery_ids: list[int]) -> int:
    """Email one batch of supporters, each at most once."""
    update = PetitionUpdate.objects.filter(pk=update_id).first()
    return sending.update_deliveries_send(update=update, delivery_ids=delivery_ids) if update else 0


def batches_enqueue(update_id: int, batches: list[list[int]]) -> None:
    """Queue one task per batch, each starting when the batches before it should be done."""
    task = supporter_email_update
    defers = task.get_backend().supports_defer
    start = timezone.now()
    offset = 0.0
    for batch in batches:
        if defers and offset:
            run_after = start + datetime.timedelta(seconds=offset)
            task.using(run_after=run_after).enqueue(update_id=update_id, delivery_ids=batch)
        else:
            task.enqueue(update_id=update_id, delivery_ids=batch)
        offset += len(batch) * sending.seconds_per_email()
