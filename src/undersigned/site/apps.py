"""Django app configuration for ``undersigned.site``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "undersigned.site"
    label = "site"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from undersigned.site import checks  # noqa: F401  (registers the deployment checks)
