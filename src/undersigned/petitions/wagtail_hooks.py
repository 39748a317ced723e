"""The "Petitions" menu in the Wagtail admin: an overview of petitions and their signatures."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button

from undersigned.petitions import admin_views, paper_admin_views
from undersigned.petitions.models import PetitionIndexPage, PetitionPage, Signature
from undersigned.petitions.selectors import petition_list_published, signature_list_for_admin
from undersigned.site.admin_menu import PermissionMenuItem
from undersigned.site.models import HOME_PAGE_CONTEXT_HOOK


@hooks.register(HOME_PAGE_CONTEXT_HOOK)
def home_page_petitions(request) -> dict:
    """The home page shows the three newest open petitions."""
    return {"petitions": petition_list_published()[:3]}


class ModerationColumn(Column):
    """Invalidate or restore buttons, as small POST forms (no JavaScript needed)."""

    cell_template_name = "petitions/admin/moderation_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["signature"] = instance
        context["can_moderate"] = bool(
            request and request.user.has_perm("petitions.moderate_signature")
        )
        context["next"] = request.get_full_path() if request else ""
        return context

    def render_cell_html(self, instance, parent_context):
        # Wagtail renders cells without the request, so context processors (the forms' CSRF
        # token among them) would not run: render with it.
        context = self.get_cell_context_data(instance, parent_context)
        return self.cell_template.render(context, request=context["request"])


class SignatureViewSet(ModelViewSet):
    """Signatures are evidence: organisers search, inspect and (in)validate them, never edit."""

    model = Signature
    menu_label = _("Signatures")
    icon = "user"
    url_prefix = "petitions/signatures"
    url_namespace = "petitions_signature"
    list_display = [
        "name",
        "postcode",
        Column("petition", label=_("Petition"), accessor="petition.title"),
        Column("state", label=_("State"), accessor="get_state_display"),
        Column("source", label=_("Source"), accessor="source_label"),
        "created_at",
        ModerationColumn("moderation", label=_("Moderation")),
    ]
    list_filter = ["state", "source", "petition", "created_at"]
    search_fields = ["name", "postcode", "email"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "petition",
        "name",
        "address",
        "postcode",
        "email",
        "wants_updates",
        "consent_text",
        "consent_version",
        "consented_at",
        "source",
        "paper_sheet",
        "state",
        "suspect_reason",
        "duplicate_of",
        "created_at",
        "state_changed_at",
        "ward_code",
        "constituency_code",
        "local_authority_code",
    ]
    copy_view_enabled = False
    add_to_admin_menu = False

    def get_queryset(self, request):
        return signature_list_for_admin()

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
        )
        return view_kwargs

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<str:pk>/", self.inspect_view, name="inspect"),
        ]


signature_viewset = SignatureViewSet("signatures")

admin_urls = (
    [
        path("", admin_views.petition_overview, name="overview"),
        path("<int:petition_id>/close/", admin_views.petition_close, name="close"),
        path("<int:petition_id>/reopen/", admin_views.petition_reopen, name="reopen"),
        path(
            "<int:petition_id>/pause/",
            admin_views.petition_signing_pause,
            {"paused": True},
            name="pause",
        ),
        path(
            "<int:petition_id>/resume/",
            admin_views.petition_signing_pause,
            {"paused": False},
            name="resume",
        ),
        path("<int:petition_id>/support/", admin_views.petition_support, name="support"),
        path("<int:petition_id>/paper/", paper_admin_views.paper_sheets, name="paper"),
        path(
            "<int:petition_id>/paper/sheet/",
            paper_admin_views.paper_sheet_enter,
            name="paper_sheet",
        ),
        path(
            "<int:petition_id>/paper/upload/",
            paper_admin_views.paper_upload,
            name="paper_upload",
        ),
        path(
            "<int:petition_id>/paper/upload/<int:upload_id>/",
            paper_admin_views.paper_upload_report,
            name="paper_report",
        ),
        path(
            "<int:petition_id>/paper/upload/<int:upload_id>/discard/",
            paper_admin_views.paper_upload_discard,
            name="paper_discard",
        ),
        path(
            "signatures/<int:signature_id>/<str:action>/",
            admin_views.signature_moderate,
            name="moderate",
        ),
    ],
    "petitions_admin",
)


@hooks.register("register_admin_viewset")
def register_signature_viewset():
    return signature_viewset


@hooks.register("register_admin_urls")
def register_petition_admin_urls():
    return [path("petitions/", include(admin_urls))]


# Other apps (hand-in, supporters) add their entries to the same group through this hook.
petitions_menu = Menu(register_hook_name="register_petitions_menu_item")


@hooks.register("register_admin_menu_item")
def register_petitions_menu():
    return SubmenuMenuItem(_("Petitions"), petitions_menu, icon_name="form", order=150)


@hooks.register("register_petitions_menu_item")
def register_overview_menu_item():
    return PermissionMenuItem(
        _("Overview"),
        reverse("petitions_admin:overview"),
        icon_name="form",
        order=100,
        permissions=["petitions.view_signature"],
    )


class NewPetitionMenuItem(MenuItem):
    """Straight to the editor for a new petition, for whoever may add one."""

    def is_shown(self, request):
        return admin_views.petition_new_url(user=request.user) is not None

    def render_component(self, request):
        return LinkMenuItemComponent(
            self.name,
            self.label,
            admin_views.petition_new_url(user=request.user),
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


@hooks.register("register_petitions_menu_item")
def register_new_petition_menu_item():
    return NewPetitionMenuItem(_("New petition"), "#", icon_name="plus", order=50)


@hooks.register("construct_page_action_menu")
def publish_first_for_petitions(menu_items, request, context):
    """In a petition's editor, Publish is the main button: publishing is what opens it."""
    page, parent = context.get("page"), context.get("parent_page")
    # A new page under the petitions section can only be a petition.
    if not (
        isinstance(page, PetitionPage)
        or (page is None and parent is not None and parent.specific_class is PetitionIndexPage)
    ):
        return
    for index, item in enumerate(menu_items):
        if item.name == "action-publish":
            menu_items.insert(0, menu_items.pop(index))
            return


@hooks.register("register_log_actions")
def register_petition_log_actions(actions):
    actions.register_action(
        "undersigned.petition.close", _("Close petition"), _("Closed to new signatures")
    )
    actions.register_action(
        "undersigned.petition.close_by_date",
        _("Close petition"),
        _("Closed to new signatures: its closing date passed"),
    )
    actions.register_action(
        "undersigned.petition.reopen", _("Reopen petition"), _("Open for signatures again")
    )
    actions.register_action(
        "undersigned.petition.hand_in", _("Mark as handed in"), _("Marked as handed in")
    )
    actions.register_action(
        "undersigned.petition.paper_sheet",
        _("Enter paper signatures"),
        _("Paper signatures entered"),
    )


@hooks.register("register_petitions_menu_item")
def register_signatures_menu_item():
    return PermissionMenuItem(
        _("Signatures"),
        reverse("petitions_signature:index"),
        icon_name="user",
        order=200,
        permissions=["petitions.view_signature"],
    )


@hooks.register("register_page_listing_more_buttons")
def petition_page_buttons(page, user, next_url=None, **kwargs):
    if not isinstance(page.specific_deferred, PetitionPage):
        return
    if user.has_perm("petitions.view_signature"):
        yield Button(
            _("Signatures"),
            reverse("petitions_signature:index") + f"?petition={page.pk}",
            icon_name="user",
            priority=60,
        )
    petition = page.specific_deferred
    if petition.status() == "open" and page.permissions_for_user(user).can_publish():
        yield Button(
            _("Close petition"),
            reverse("petitions_admin:close", args=[page.pk]),
            icon_name="lock",
            priority=61,
        )
