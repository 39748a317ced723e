"""Hand-in in the Wagtail admin: its pages, a "Hand-in" entry in the Petitions menu, and its
permissions in the group editor."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from undersigned.handin import admin_views
from undersigned.petitions.models import PetitionPage
from undersigned.site.admin_menu import PermissionMenuItem

admin_urls = (
    [
        path("", admin_views.handin_index, name="index"),
        path("<int:petition_id>/", admin_views.handin_petition, name="petition"),
        path("<int:petition_id>/build/", admin_views.handin_pack_build, name="build"),
        path("<int:petition_id>/hand-in/", admin_views.petition_hand_in, name="hand_in"),
        path("packs/<int:pack_id>/delete/", admin_views.handin_pack_delete, name="delete"),
        path(
            "packs/<int:pack_id>/download/<str:kind>/",
            admin_views.handin_pack_download,
            name="download",
        ),
    ],
    "handin_admin",
)


@hooks.register("register_admin_urls")
def register_handin_admin_urls():
    return [path("handin/", include(admin_urls))]


@hooks.register("register_petitions_menu_item")
def register_handin_menu_item():
    return PermissionMenuItem(
        _("Hand-in"),
        reverse("handin_admin:index"),
        icon_name="doc-full",
        order=300,
        permissions=["handin.view_handinpack"],
    )


@hooks.register("register_permissions")
def register_handin_permissions():
    return Permission.objects.filter(content_type__app_label="handin")


@hooks.register("register_page_listing_more_buttons")
def handin_page_button(page, user, next_url=None, **kwargs):
    if isinstance(page.specific_deferred, PetitionPage) and user.has_perm("handin.view_handinpack"):
        yield Button(
            _("Hand-in"),
            reverse("handin_admin:petition", args=[page.pk]),
            icon_name="doc-full",
            priority=62,
        )
