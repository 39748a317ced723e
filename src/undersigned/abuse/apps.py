"""Django app configuration for ``undersigned.abuse``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AbuseConfig(AppConfig):
    name = "undersigned.abuse"
    label = "abuse"
    verbose_name = _("Abuse controls")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the signal that forgets the cached settings when they are saved (imported
        # here: it needs the models, loaded only now).
        from undersigned.abuse import limits  # noqa: F401

        # Organisers pause signing site-wide and tune the limits (rules use petitions' moderation).
        # Imported here: site.organisers needs the app registry, ready only now.
        from undersigned.site.organisers import organisers_contribute

        organisers_contribute(
            self,
            permissions=[
                "abuse.change_abusesettings",
            ],
        )
