"""Django app configuration for ``undersigned.contact``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "undersigned.contact"
    label = "contact"
    verbose_name = _("Contact")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Organisers read and answer the inbox.
        # Imported here: both need the app registry, ready only now. The views register
        # what the contact page shows (site.page_views).
        from undersigned.contact import views  # noqa: F401
        from undersigned.site.organisers import organisers_contribute

        organisers_contribute(
            self,
            permissions=[
                "contact.view_enquiry",
                "contact.change_enquiry",
            ],
        )
