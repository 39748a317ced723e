"""Django app configuration for ``undersigned.news``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "undersigned.news"
    label = "news"
    verbose_name = _("News")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, once the models are loaded: the views register what the news
        # pages show (site.page_views).
        from undersigned.news import views  # noqa: F401
