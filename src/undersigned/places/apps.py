"""Django app configuration for ``undersigned.places``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "undersigned.places"
    label = "places"
    verbose_name = _("Places")
    default_auto_field = "django.db.models.BigAutoField"
