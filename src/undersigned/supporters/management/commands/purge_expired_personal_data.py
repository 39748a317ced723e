"""``purge_expired_personal_data``: the daily retention run (anonymise signers, delete old mail)."""

from django.core.management.base import BaseCommand

from undersigned.supporters.retention_tasks import (
    signatures_anonymise_expired_schedule,
    signatures_anonymise_expired_task,
)


class Command(BaseCommand):
    help = (
        "Remove personal data kept longer than the retention period in the site settings: "
        "anonymise the signers of petitions handed in or closed that long ago, and delete "
        "answered contact-form messages. Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help=(
                "instead of running now, queue the task for the background worker; it then "
                "runs daily by queueing its next run itself (database task backend)"
            ),
        )

    def handle(self, *args, schedule: bool = False, **options):
        if schedule:
            if signatures_anonymise_expired_schedule():
                self.stdout.write(self.style.SUCCESS("Queued; the worker will run it daily."))
            else:
                self.stdout.write(
                    "Not queued: a run is already waiting, or the task backend cannot run "
                    "tasks later (then run this command daily from cron instead)."
                )
            return
        result = signatures_anonymise_expired_task.call()
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['signatures_anonymised']} signatures anonymised, "
                f"{result['enquiries_deleted']} contact-form messages deleted, "
                f"{result['supporters_deleted']} lapsed or unsubscribed supporters deleted."
            )
        )
