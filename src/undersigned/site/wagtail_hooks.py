"""Site-wide admin: the "Privacy" menu item, for subject access and erasure requests.

It spans every app that holds personal data (signatures, the inbox, the consent ledger),
so it sits beside the site settings rather than inside one app's menu. Shown to superusers
and to groups given the "Can add erasure record" permission.
"""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from undersigned.supporters import privacy_urls
from undersigned.supporters.privacy_views import PRIVACY_PERMISSION


class PrivacyMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PRIVACY_PERMISSION)


@hooks.register("register_admin_urls")
def register_privacy_admin_urls():
    return [path("privacy/", include(privacy_urls.admin_urls))]


@hooks.register("register_admin_menu_item")
def register_privacy_menu_item():
    return PrivacyMenuItem(
        _("Privacy"), reverse("privacy_admin:search"), icon_name="lock", order=170
    )
