"""Django app configuration for ``undersigned.petitions``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "undersigned.petitions"
    label = "petitions"
    verbose_name = _("Petitions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Organisers see and moderate signatures (pages come with the page tree, from site).
        # Imported here: site.organisers needs the app registry, ready only now.
        from undersigned.site.organisers import organisers_contribute

        organisers_contribute(
            self,
            permissions=[
                "petitions.view_signature",
                "petitions.moderate_signature",
            ],
        )
