"""Django app configuration for ``undersigned.supporters``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportersConfig(AppConfig):
    name = "undersigned.supporters"
    label = "supporters"
    verbose_name = _("Supporters")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Organisers write, test and send updates, look after the supporter list (view,
        # unsubscribe on request, export) and answer privacy requests.
        # Imported here: site.organisers needs the app registry, ready only now.
        from undersigned.site.organisers import organisers_contribute

        organisers_contribute(
            self,
            permissions=[
                "supporters.view_petitionupdate",
                "supporters.add_petitionupdate",
                "supporters.change_petitionupdate",
                "supporters.delete_petitionupdate",
                "supporters.send_petitionupdate",
                "supporters.view_supporter",
                "supporters.change_supporter",
                "supporters.export_supporter",
                "supporters.view_consentevent",
                "supporters.add_consentevent",
                "supporters.view_erasurerecord",
                "supporters.add_erasurerecord",
            ],
        )
