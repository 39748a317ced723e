"""``load_demo``: load the fictional borough's demo site (safe to run again)."""

from django.core.management.base import BaseCommand

from undersigned.demo.content import demo_content_load


class Command(BaseCommand):
    help = "Load the demo content: home page, news section with a story, an open petition."

    def handle(self, *args, **options):
        petition = demo_content_load()
        self.stdout.write(self.style.SUCCESS(f"Demo content ready; petition at {petition.url}"))
