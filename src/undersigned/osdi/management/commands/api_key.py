"""``undersigned api-key create|list|revoke``: keys for the OSDI API from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from undersigned.osdi import selectors, services
from undersigned.osdi.models import ApiScope
from undersigned.site.errors import ApplicationError


class Command(BaseCommand):
    help = "Make, list or revoke keys for the OSDI API (a new key is printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make a key and print it once")
        create.add_argument("--name", required=True, help="what will use it")
        create.add_argument("--scope", required=True, choices=ApiScope.values)
        actions.add_parser("list", help="list the keys (never the keys themselves)")
        revoke = actions.add_parser("revoke", help="stop a key working")
        revoke.add_argument("prefix", help="the first characters of the key, as listed")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                api_key, secret = services.api_key_create(
                    name=options["name"], scope=options["scope"]
                )
            except ApplicationError as error:
                raise CommandError(error.message) from error
            self.stdout.write(secret)
            self.stderr.write(
                f"Made the {api_key.scope} key {api_key.name!r}. It is shown only now: keep it "
                "somewhere safe. Send it in the OSDI-API-Token header."
            )
        elif action == "list":
            for api_key in selectors.api_key_list():
                state = f"revoked {api_key.revoked_at:%Y-%m-%d}" if api_key.revoked_at else "active"
                used = f"{api_key.last_used_at:%Y-%m-%d %H:%M}" if api_key.last_used_at else "never"
                self.stdout.write(
                    f"{api_key.prefix}\t{api_key.scope}\t{state}\tlast used {used}\t{api_key.name}"
                )
        else:
            found = selectors.api_key_find(prefix=options["prefix"])
            if len(found) != 1:
                raise CommandError(
                    "No key starts with that." if not found else "Several keys start with that."
                )
            services.api_key_revoke(api_key=found[0])
            self.stdout.write(f"Revoked {found[0]}.")
