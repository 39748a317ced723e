"""Django app configuration for ``undersigned.places``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "undersigned.places"
    label = "places"
    verbose_name = _("Places")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the views register what the places
        # pages show (site.page_views).
        from undersigned.places import views  # noqa: F401
