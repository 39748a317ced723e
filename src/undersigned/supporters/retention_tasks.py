"""The daily retention run as a background task, which can keep itself scheduled.

django-tasks has no scheduler. Either cron runs ``undersigned purge_expired_personal_data``
once a day, or ``undersigned purge_expired_personal_data --schedule`` puts the task on the
queue once, after which each run enqueues the next for a day later (on a backend that can
defer tasks, such as the database backend the site uses by default).
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend

from undersigned.supporters import retention

RUN_EVERY = datetime.timedelta(days=1)


@task()
def signatures_anonymise_expired_task(*, reschedule: bool = False) -> dict[str, int]:
    try:
        return retention.personal_data_purge_expired().as_dict()
    finally:
        if reschedule:
            signatures_anonymise_expired_schedule(run_after=timezone.now() + RUN_EVERY)


def _next_run_pending() -> bool:
    backend = signatures_anonymise_expired_task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    # Imported here: django_tasks_db's models are installed only with its backend.
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=signatures_anonymise_expired_task.module_path,
        status=TaskResultStatus.READY,
    ).exists()


def signatures_anonymise_expired_schedule(*, run_after: datetime.datetime | None = None) -> bool:
    """Queue a self-rescheduling run unless one is already waiting. True if one was queued.

    Does nothing on a backend that cannot run a task later (the immediate backend of the
    tests): there the task would reschedule itself forever, at once.
    """
    backend = signatures_anonymise_expired_task.get_backend()
    if not backend.supports_defer or _next_run_pending():
        return False
    scheduled = signatures_anonymise_expired_task.using(run_after=run_after or timezone.now())
    scheduled.enqueue(reschedule=True)
    return True
