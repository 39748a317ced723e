"""Django app configuration for ``undersigned.petitions``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "undersigned.petitions"
    label = "petitions"
    verbose_name = _("Petitions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Organisers see and moderate signatures, and enter those collected on paper (pages
        # come with the page tree, from site).
        # Imported here: both need the app registry, ready only now. The views register
        # what the petition pages show (site.page_views).
        from undersigned.petitions import views  # noqa: F401
        from undersigned.site.organisers import organisers_contribute

        organisers_contribute(
            self,
            permissions=[
                "petitions.view_signature",
                "petitions.moderate_signature",
                "petitions.add_papersheet",
            ],
        )
