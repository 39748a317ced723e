"""Django app configuration for ``undersigned.handin``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandinConfig(AppConfig):
    name = "undersigned.handin"
    label = "handin"
    verbose_name = _("Hand-in")
    default_auto_field = "django.db.models.BigAutoField"
