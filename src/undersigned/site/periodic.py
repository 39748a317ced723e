"""Background tasks that keep themselves scheduled, and the worker that starts them.

django-tasks has no scheduler. A periodic task here is an ordinary task that, each time it
runs, queues its next run for later (on a backend that can run tasks later, such as the
database backend the site uses). ``UNDERSIGNED_PERIODIC_TASKS`` lists the functions that
queue each such task once; the ``db_worker`` command calls them all as it starts (see
``site/management/commands/db_worker.py``), so whoever runs a worker also runs them, with no
cron and no command to remember. Each queues a run only if none is waiting, so several
workers starting together, or a worker restarted, leave one run waiting per task: if two
runs are ever queued, the first to finish sees the other waiting and does not queue again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def task_run_waiting(task: Task) -> bool:
    """Whether a run of ``task`` is queued and not started (database backend only)."""
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY
    ).exists()


def task_schedule_once(task: Task, *, run_after: datetime.datetime | None = None, **kwargs) -> bool:
    """Queue ``task`` (with ``kwargs``) to run at ``run_after`` unless a run is already waiting.

    True if one was queued. Does nothing on a backend that cannot run a task later (the
    immediate backend of the tests), where a task that queues its next run would run again
    at once, forever.
    """
    if not task.get_backend().supports_defer or task_run_waiting(task):
        return False
    task.using(run_after=run_after or timezone.now()).enqueue(**kwargs)
    return True


def periodic_tasks_start() -> list[str]:
    """Queue every periodic task that has no run waiting; the paths of those queued."""
    started = []
    for path in settings.UNDERSIGNED_PERIODIC_TASKS:
        if import_string(path)():
            started.append(path)
    if started:
        logger.info("Periodic tasks queued: %s", ", ".join(started))
    return started
