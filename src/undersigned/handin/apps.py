"""Django app configuration for ``undersigned.handin``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandinConfig(AppConfig):
    name = "undersigned.handin"
    label = "handin"
    verbose_name = _("Hand-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Organisers build, download and hand in packs.
        from undersigned.site.organisers import organisers_contribute

        organisers_contribute(
            self,
            permissions=[
                "handin.view_handinpack",
                "handin.add_handinpack",
                "handin.change_handinpack",
                "handin.delete_handinpack",
            ],
        )
