"""``db_worker``: django-tasks-db's worker, which first queues the site's periodic tasks.

Named as the command it extends, so that every way of starting a worker (``undersigned
serve``, ``undersigned demo``, or ``undersigned db_worker`` on a machine of its own) starts
scheduled publishing, closing by date and the retention run (``UNDERSIGNED_PERIODIC_TASKS``)
without anything else to set up. Django runs this app's command rather than django-tasks-db's
because ``undersigned.site`` comes first in ``INSTALLED_APPS``.
"""

from django_tasks_db.management.commands import db_worker

from undersigned.site.periodic import periodic_tasks_start


class Command(db_worker.Command):
    help = (
        "Run a database background worker; first queue the site's periodic tasks (scheduled "
        "publishing, closing by date, retention) unless a run of each is already waiting."
    )

    def handle(self, *args, **options) -> None:
        periodic_tasks_start()
        super().handle(*args, **options)
