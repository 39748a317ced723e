"""Background tasks: publish what is scheduled and close petitions whose closing date passed;
let go of paper uploads nobody confirmed.

Wagtail publishes a page at its "go live at" time, and unpublishes it at its "expire at"
time, only when its ``publish_scheduled`` command runs. This task runs that command, then
records as closed the petitions whose closing date has passed (they read as closed already),
and queues its own next run ``RUN_EVERY`` later. The background worker starts it (see
:mod:`undersigned.site.periodic`), so a scheduled petition goes live within that time.
"""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from undersigned.petitions import paper, services
from undersigned.site.periodic import task_schedule_once

RUN_EVERY = datetime.timedelta(seconds=30)
PAPER_UPLOADS_EXPIRE_EVERY = datetime.timedelta(hours=1)


def pages_publish_scheduled() -> None:
    """Publish and unpublish what is due, through Wagtail's own command (its public way)."""
    call_command("publish_scheduled", stdout=io.StringIO())


@task()
def petitions_publish_scheduled_task(*, reschedule: bool = False) -> dict[str, int]:
    try:
        pages_publish_scheduled()
        return {"petitions_closed": services.petitions_close_due()}
    finally:
        if reschedule:
            petitions_publish_scheduled_schedule(run_after=timezone.now() + RUN_EVERY)


def petitions_publish_scheduled_schedule(*, run_after: datetime.datetime | None = None) -> bool:
    """Queue a self-rescheduling run unless one is already waiting. True if one was queued."""
    return task_schedule_once(
        petitions_publish_scheduled_task, run_after=run_after, reschedule=True
    )


@task()
def paper_uploads_expire_task(*, reschedule: bool = False) -> int:
    try:
        return paper.paper_uploads_expire()
    finally:
        if reschedule:
            paper_uploads_expire_schedule(run_after=timezone.now() + PAPER_UPLOADS_EXPIRE_EVERY)


def paper_uploads_expire_schedule(*, run_after: datetime.datetime | None = None) -> bool:
    """Queue an hourly run unless one is already waiting. True if one was queued."""
    return task_schedule_once(paper_uploads_expire_task, run_after=run_after, reschedule=True)
