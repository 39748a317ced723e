"""Django app configuration for ``undersigned.handin``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from undersigned.handin.storage import handin_storage
from undersigned.site.checks import shared_file_store_register


class HandinConfig(AppConfig):
    name = "undersigned.handin"
    label = "handin"
    verbose_name = _("Hand-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: site.organisers needs the app registry, not ready
        # while this module is first imported.
        from undersigned.site.organisers import organisers_contribute

        shared_file_store_register(
            what="PRIVATE_ROOT (hand-in packs)",
            storage=handin_storage,
            hint="Set PRIVATE_ROOT to a folder on the same shared storage, outside MEDIA_ROOT, "
            'or point STORAGES["handin"] at a private bucket.',
        )
        # Organisers build, download and hand in packs.
        organisers_contribute(
            self,
            permissions=[
                "handin.view_handinpack",
                "handin.add_handinpack",
                "handin.change_handinpack",
                "handin.delete_handinpack",
            ],
        )
