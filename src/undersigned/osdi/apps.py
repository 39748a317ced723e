"""Django app configuration for ``undersigned.osdi``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OsdiConfig(AppConfig):
    name = "undersigned.osdi"
    label = "osdi"
    verbose_name = _("OSDI API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Organisers make and revoke the keys their campaign tools use.
        # Imported here: site.organisers needs the app registry, ready only now.
        from undersigned.site.organisers import organisers_contribute

        organisers_contribute(self, permissions=["osdi.manage_apikey"])
