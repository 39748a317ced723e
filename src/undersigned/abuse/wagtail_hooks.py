"""Abuse controls in the Wagtail admin: trending signers and invalidation rules, under the
Petitions menu, and the audit-log wording for applying and restoring a rule."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from undersigned.abuse import admin_views, services
from undersigned.petitions.models import PetitionPage
from undersigned.site.admin_menu import PermissionMenuItem

admin_urls = (
    [
        path("", admin_views.abuse_index, name="index"),
        path(
            "petitions/<int:petition_id>/trending/", admin_views.petition_trending, name="trending"
        ),
        path("petitions/<int:petition_id>/rules/", admin_views.petition_rules, name="rules"),
        path("rules/<int:rule_id>/", admin_views.rule_detail, name="rule"),
        path("rules/<int:rule_id>/apply/", admin_views.rule_apply, name="apply"),
        path("rules/<int:rule_id>/restore/", admin_views.rule_restore, name="restore"),
        path("rules/<int:rule_id>/delete/", admin_views.rule_delete, name="delete"),
    ],
    "abuse_admin",
)


@hooks.register("register_admin_urls")
def register_abuse_admin_urls():
    return [path("abuse/", include(admin_urls))]


@hooks.register("register_petitions_menu_item")
def register_abuse_menu_item():
    return PermissionMenuItem(
        _("Trending and rules"),
        reverse("abuse_admin:index"),
        icon_name="warning",
        order=250,
        permissions=[admin_views.PERMISSION],
    )


@hooks.register("register_log_actions")
def register_rule_log_actions(actions):
    actions.register_action(
        services.LOG_APPLY, _("Apply invalidation rule"), _("Invalidation rule applied")
    )
    actions.register_action(
        services.LOG_RESTORE, _("Restore invalidation rule"), _("Invalidation rule restored")
    )


@hooks.register("register_page_listing_more_buttons")
def abuse_page_buttons(page, user, next_url=None, **kwargs):
    if isinstance(page.specific_deferred, PetitionPage) and user.has_perm(admin_views.PERMISSION):
        yield Button(
            _("Trending signers"),
            reverse("abuse_admin:trending", args=[page.pk]),
            icon_name="warning",
            priority=63,
        )
        yield Button(
            _("Invalidation rules"),
            reverse("abuse_admin:rules", args=[page.pk]),
            icon_name="warning",
            priority=64,
        )
