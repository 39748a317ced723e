"""Background tasks of confirmed opt-in: the confirmation email, and lapsing the unconfirmed.

Lapsing is periodic: the worker starts it (``UNDERSIGNED_PERIODIC_TASKS``, see
:mod:`undersigned.site.periodic`) and each run queues the next ``LAPSE_EVERY`` later.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from undersigned.site.periodic import task_schedule_once
from undersigned.supporters import confirmation

LAPSE_EVERY = datetime.timedelta(hours=1)


@task()
def supporter_email_confirmation(*, supporter_id: int, consent_id: int | None = None) -> bool:
    """Email one supporter the link to confirm their address."""
    return confirmation.confirmation_send(supporter_id=supporter_id, consent_id=consent_id)


@task()
def supporters_lapse_unconfirmed_task(*, reschedule: bool = False) -> int:
    try:
        return confirmation.supporters_lapse_unconfirmed()
    finally:
        if reschedule:
            supporters_lapse_unconfirmed_schedule(run_after=timezone.now() + LAPSE_EVERY)


def supporters_lapse_unconfirmed_schedule(*, run_after: datetime.datetime | None = None) -> bool:
    """Queue a self-rescheduling run unless one is already waiting. True if one was queued."""
    return task_schedule_once(
        supporters_lapse_unconfirmed_task, run_after=run_after, reschedule=True
    )
