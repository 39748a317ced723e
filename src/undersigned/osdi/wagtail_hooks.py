"""API keys in the Wagtail admin, under Settings, for those who may manage them, and the
audit log's wording for revoking one."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from undersigned.osdi import admin_views, services
from undersigned.site.admin_menu import PermissionMenuItem

admin_urls = (
    [
        path("", admin_views.api_key_index, name="index"),
        path("new/", admin_views.api_key_create, name="create"),
        path("<int:pk>/revoke/", admin_views.api_key_revoke, name="revoke"),
    ],
    "osdi_admin",
)


@hooks.register("register_admin_urls")
def register_api_key_admin_urls():
    return [path("api-keys/", include(admin_urls))]


@hooks.register("register_settings_menu_item")
def register_api_key_menu_item():
    return PermissionMenuItem(
        _("API keys"),
        reverse("osdi_admin:index"),
        icon_name="key",
        order=900,
        permissions=[admin_views.PERMISSION],
    )


@hooks.register("register_log_actions")
def register_api_key_log_actions(actions):
    actions.register_action(services.LOG_REVOKE, _("Revoke API key"), _("API key revoked"))
