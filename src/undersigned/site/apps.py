"""Django app configuration for ``undersigned.site``."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "undersigned.site"
    label = "site"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: site.organisers needs the app registry, ready only now.
        from undersigned.site import (
            checks,  # noqa: F401  (registers the deployment checks)
            organisers,
        )

        organisers.organisers_contribute(self, permissions=["site.change_sitesettings"])
        post_migrate.connect(
            organisers.organisers_content_on_migrate,
            sender=self,
            dispatch_uid="organisers:content",
        )
