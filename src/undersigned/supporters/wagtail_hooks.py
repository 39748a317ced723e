"""Updates to signers, the supporter list and the consent ledger, in the admin's "Petitions"
menu; "Privacy".

An organiser writes an update (a draft), looks at the preview, sends a test to themself,
then sends it to everyone who asked for updates, and watches it go out. The consent ledger
is read-only: it is the record of who agreed to what, and when they withdrew.

The "Privacy" menu item (subject access and erasure requests) spans every app that holds
personal data, so it has a top-level menu entry of its own. It is shown to superusers and to
groups given the "Can add erasure record" permission.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.log_actions import log

from undersigned.petitions.models import PetitionPage
from undersigned.site.admin_menu import PermissionMenuItem
from undersigned.site.errors import ApplicationError
from undersigned.supporters import admin_views, emails, privacy_urls, selectors, services
from undersigned.supporters.forms import SupporterFilterSet
from undersigned.supporters.models import (
    ConsentEvent,
    PetitionUpdate,
    Supporter,
    SupporterStatus,
    UpdateAudience,
    UpdateState,
)
from undersigned.supporters.privacy_views import PRIVACY_PERMISSION

# How long sending may show no progress before the admin offers to resume it.
STALLED_AFTER = datetime.timedelta(minutes=5)


def _detail_url(update: PetitionUpdate) -> str:
    return reverse("supporters_update:inspect", args=[update.pk])


class AreaCheckboxes(forms.CheckboxSelectMultiple):
    """Areas as checkboxes in a scrolling box: two hundred wards stay usable without script
    (the browser's find-in-page finds a ward by name)."""

    template_name = "supporters/admin/area_checkboxes.html"


class UpdateIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm("supporters.add_petitionupdate"):
            buttons.append(
                HeaderButton(
                    _("Email a newsletter issue"),
                    url=reverse("supporters_admin:newsletter"),
                    icon_name="doc-full",
                )
            )
        return buttons


def _recipients_label(update: PetitionUpdate) -> str:
    """How many it would reach if sent now (a draft), or how many it was sent to."""
    if update.is_draft:
        return f"{selectors.update_recipient_count(update=update):,}"
    return f"{update.recipient_total:,}"


class DraftOnlyMixin:
    """Sent updates are the record of what signers got: they cannot be edited or deleted."""

    def dispatch(self, request, *args, **kwargs):
        update = get_object_or_404(PetitionUpdate, pk=kwargs["pk"])
        if not update.is_draft:
            messages.info(request, str(services.UpdateMessages.NOT_DRAFT))
            return redirect(_detail_url(update))
        return super().dispatch(request, *args, **kwargs)


class ServiceFormMixin:
    """Saves through a service; a rule it enforces comes back as a form error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ApplicationError as error:
            form.add_error(None, error.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def get_success_url(self):
        return _detail_url(self.object)


def _audience(data: dict) -> services.Audience:
    return services.Audience.of(
        data["audience"],
        wards=data["wards"],
        constituencies=data["constituencies"],
        councils=data["councils"],
        signed_petition=data["signed_petition"],
    )


class UpdateCreateView(ServiceFormMixin, CreateView):
    submit_button_label = gettext_lazy("Save draft")
    success_message = gettext_lazy("Draft saved. Check the preview and send yourself a test.")

    def get_initial(self):
        initial = super().get_initial()
        petition_id = self.request.GET.get("petition", "")
        if petition_id.isdigit():
            initial["petition"] = int(petition_id)
        issue_id = self.request.GET.get("newsletter", "")
        issue = (
            selectors.newsletter_issue_for_update(issue_id=int(issue_id))
            if issue_id.isdigit()
            else None
        )
        if issue is not None:
            initial["subject"], initial["body"] = services.newsletter_update_text(issue=issue)
            initial["audience"] = UpdateAudience.EVERYONE
        return initial

    def save_instance(self):
        data = self.form.cleaned_data
        update = services.petition_update_create(
            petition=data["petition"],
            subject=data["subject"],
            body=data["body"],
            audience=_audience(data),
            created_by=self.request.user,
        )
        log(instance=update, action="wagtail.create", user=self.request.user)
        return update


class UpdateEditView(DraftOnlyMixin, ServiceFormMixin, EditView):
    submit_button_label = gettext_lazy("Save draft")
    success_message = gettext_lazy("Draft saved.")

    def save_instance(self):
        data = self.form.cleaned_data
        update = services.petition_update_edit(
            update=self.object,
            petition=data["petition"],
            subject=data["subject"],
            body=data["body"],
            audience=_audience(data),
        )
        log(
            instance=update,
            action="wagtail.edit",
            user=self.request.user,
            content_changed=self.form.has_changed(),
        )
        return update


class UpdateDeleteView(DraftOnlyMixin, DeleteView):
    def delete_action(self):
        log(instance=self.object, action="wagtail.delete", user=self.request.user)
        services.petition_update_delete(update=self.object)


class UpdateDetailView(InspectView):
    """The preview (as the email), the actions for a draft, and progress once it is sending."""

    template_name = "supporters/admin/update_detail.html"
    page_title = gettext_lazy("Update to signers")

    def get_object(self, queryset=None):
        return get_object_or_404(
            selectors.petition_update_list_for_admin(), pk=self.kwargs[self.pk_url_kwarg]
        )

    def get_edit_url(self):
        return super().get_edit_url() if self.object.is_draft else None

    def get_delete_url(self):
        return super().get_delete_url() if self.object.is_draft else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        update, user = self.object, self.request.user
        preview_address = getattr(user, "email", "") or "signer@example.org"
        sender = emails.update_sender(update=update)
        progress = selectors.update_progress(update=update)
        last_activity = max(
            filter(None, [progress.last_attempt_at, update.queued_at]), default=None
        )
        context.update(
            update=update,
            sender=sender,
            preview=emails.update_render(update=update, email=preview_address, sender=sender),
            progress=progress,
            recipient_count=(
                selectors.update_recipient_count(update=update)
                if update.is_draft
                else update.recipient_total
            ),
            audience=selectors.update_audience_describe(update=update),
            in_progress=update.state in (UpdateState.QUEUED, UpdateState.SENDING),
            stalled=(
                update.state in (UpdateState.QUEUED, UpdateState.SENDING)
                and last_activity is not None
                and timezone.now() - last_activity > STALLED_AFTER
            ),
            can_change=user.has_perm("supporters.change_petitionupdate"),
            can_send=user.has_perm(admin_views.SEND_PERMISSION),
            user_email=getattr(user, "email", ""),
        )
        return context


class PetitionUpdateViewSet(ModelViewSet):
    model = PetitionUpdate
    menu_label = gettext_lazy("Updates to signers")
    icon = "mail"
    url_prefix = "petitions/updates"
    url_namespace = "supporters_update"
    index_view_class = UpdateIndexView
    add_view_class = UpdateCreateView
    edit_view_class = UpdateEditView
    delete_view_class = UpdateDeleteView
    inspect_view_class = UpdateDetailView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_admin_menu = False
    list_filter = ["petition", "audience", "state"]
    search_fields = ["subject", "body"]
    panels = [
        FieldPanel("petition", widget=forms.Select),
        MultiFieldPanel(
            [
                FieldPanel("audience", widget=forms.RadioSelect),
                FieldPanel("wards", widget=AreaCheckboxes),
                FieldPanel("constituencies", widget=AreaCheckboxes),
                FieldPanel("councils", widget=AreaCheckboxes),
                FieldPanel("signed_petition", widget=forms.Select),
            ],
            heading=gettext_lazy("Who it goes to"),
            help_text=gettext_lazy(
                "Only supporters who confirmed their email address receive updates. "
                "The areas are used only when \u201cSupporters in the wards, "
                "constituencies or councils chosen below\u201d is picked."
            ),
        ),
        FieldPanel("subject"),
        FieldPanel("body", widget=forms.Textarea(attrs={"rows": 16})),
    ]

    @cached_property
    def list_display(self):
        return [
            TitleColumn("subject", label=gettext_lazy("Subject"), get_url=_detail_url),
            Column("petition", label=gettext_lazy("Petition"), accessor="petition.title"),
            Column("audience", label=gettext_lazy("To"), accessor="get_audience_display"),
            Column("recipients", label=gettext_lazy("Recipients"), accessor=_recipients_label),
            Column("state", label=gettext_lazy("State"), accessor="get_state_display"),
            Column("progress", label=gettext_lazy("Sent"), accessor="progress_label"),
            "created_at",
        ]

    def get_queryset(self, request):
        return selectors.petition_update_list_for_admin()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/test/", admin_views.update_test_send, name="test_send"),
            path("<int:pk>/send/", admin_views.update_send, name="send"),
            path("<int:pk>/resume/", admin_views.update_resume, name="resume"),
        ]


class ConsentIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm("supporters.add_consentevent"):
            buttons.append(
                HeaderButton(
                    _("Unsubscribe someone"),
                    url=reverse("supporters_admin:unsubscribe"),
                    icon_name="mail",
                )
            )
        return buttons


class ReadOnlyViewSet(ModelViewSet):
    """A model's list and inspect pages, and nothing that adds, edits or deletes through the
    admin: the rows change only through services."""

    copy_view_enabled = False
    inspect_view_enabled = True

    def get_common_view_kwargs(self, **kwargs):
        return {
            **super().get_common_view_kwargs(**kwargs),
            "add_url_name": None,
            "edit_url_name": None,
            "delete_url_name": None,
            "history_url_name": None,
            "usage_url_name": None,
        }

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]


class ConsentEventViewSet(ReadOnlyViewSet):
    """The consent ledger: searchable by email, never edited by hand."""

    model = ConsentEvent
    menu_label = gettext_lazy("Consent ledger")
    icon = "tick-inverse"
    url_prefix = "petitions/consent"
    url_namespace = "supporters_consent"
    index_view_class = ConsentIndexView

    @cached_property
    def list_display(self):
        return [
            TitleColumn(
                "email",
                label=gettext_lazy("Email"),
                sort_key="email",
                width="29%",
                get_url=lambda event: reverse("supporters_consent:inspect", args=[event.pk]),
            ),
            Column("petition", label=gettext_lazy("Petition"), accessor="petition.title"),
            Column("kind", label=gettext_lazy("Consent"), accessor="get_kind_display", width="9%"),
            Column("source", label=gettext_lazy("How"), accessor="get_source_display", width="12%"),
            Column("wording_version", label=gettext_lazy("Wording"), width="11%"),
            Column("occurred_at", label=gettext_lazy("When"), sort_key="occurred_at", width="13%"),
        ]

    list_filter = ["kind", "source", "petition"]
    search_fields = ["email"]
    inspect_view_fields = [
        "email",
        "petition",
        "scope",
        "kind",
        "source",
        "wording",
        "wording_version",
        "occurred_at",
        "signature",
        "recorded_by",
    ]
    add_to_admin_menu = False

    def get_queryset(self, request):
        return ConsentEvent.objects.select_related("petition")


class SupporterIndexView(IndexView):
    """The supporter list: 50 a page, searched and filtered by the supporter selectors."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return selectors.supporter_search(supporters=queryset, query=self.search_query)

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm("supporters.export_supporter"):
            query = self.request.GET.urlencode()
            buttons.append(
                HeaderButton(
                    _("Export confirmed supporters (CSV)"),
                    url=reverse("supporters_admin:export") + (f"?{query}" if query else ""),
                    icon_name="download",
                )
            )
        return buttons


class SupporterDetailView(InspectView):
    """One person: their details, every consent in the ledger, every signature, and the
    actions an organiser may take on their request (unsubscribe, erase)."""

    template_name = "supporters/admin/supporter_detail.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            selectors.supporter_list_for_admin(), pk=self.kwargs[self.pk_url_kwarg]
        )

    def get_page_subtitle(self):
        return self.object.name or self.object.email

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        supporter, user = self.object, self.request.user
        context.update(
            supporter=supporter,
            consents=selectors.supporter_consents(supporter=supporter),
            signatures=selectors.supporter_signatures(supporter=supporter),
            can_unsubscribe=(
                user.has_perm("supporters.change_supporter")
                and supporter.status != SupporterStatus.UNSUBSCRIBED
            ),
            can_erase=user.has_perm(PRIVACY_PERMISSION),
        )
        return context


class SupporterViewSet(ReadOnlyViewSet):
    """The supporter list: searched, filtered, one person's page, exported; never edited by
    hand (people join by signing and confirming; they leave by unsubscribing or erasure)."""

    model = Supporter
    menu_label = gettext_lazy("Supporters")
    icon = "group"
    url_prefix = "petitions/supporters"
    url_namespace = "supporters_supporter"
    index_view_class = SupporterIndexView
    inspect_view_class = SupporterDetailView
    add_to_admin_menu = False
    list_per_page = 50
    search_fields = ["name", "email", "postcode"]
    filterset_class = SupporterFilterSet

    @cached_property
    def list_display(self):
        return [
            TitleColumn(
                "name",
                label=gettext_lazy("Name"),
                get_url=admin_views.supporter_detail_url,
                accessor=lambda supporter: supporter.name or supporter.email,
            ),
            Column("email", label=gettext_lazy("Email")),
            Column("postcode", label=gettext_lazy("Postcode")),
            Column("ward_name", label=gettext_lazy("Ward")),
            Column("constituency_name", label=gettext_lazy("Constituency")),
            Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
            Column(
                "source_petition",
                label=gettext_lazy("Signed up on"),
                accessor=lambda supporter: (
                    supporter.source_petition.title if supporter.source_petition else ""
                ),
            ),
            Column("signed_up_at", label=gettext_lazy("Signed up"), sort_key="signed_up_at"),
        ]

    def get_queryset(self, request):
        return selectors.supporter_list_for_admin()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "inspect/<int:pk>/unsubscribe/",
                admin_views.supporter_unsubscribe,
                name="unsubscribe",
            ),
        ]


update_viewset = PetitionUpdateViewSet("petition_updates")
supporter_viewset = SupporterViewSet("supporters")
consent_viewset = ConsentEventViewSet("consent_ledger")

admin_urls = (
    [
        path("unsubscribe/", admin_views.organiser_unsubscribe, name="unsubscribe"),
        path("newsletter/", admin_views.newsletter_choose, name="newsletter"),
        path("export/", admin_views.supporter_export, name="export"),
    ],
    "supporters_admin",
)


@hooks.register("register_admin_viewset")
def register_update_viewset():
    return update_viewset


@hooks.register("register_admin_viewset")
def register_supporter_viewset():
    return supporter_viewset


@hooks.register("register_admin_viewset")
def register_consent_viewset():
    return consent_viewset


@hooks.register("register_admin_urls")
def register_supporters_admin_urls():
    return [path("supporters/", include(admin_urls))]


@hooks.register("register_petitions_menu_item")
def register_updates_menu_item():
    return PermissionMenuItem(
        _("Updates to signers"),
        reverse("supporters_update:index"),
        icon_name="mail",
        order=300,
        permissions=[f"supporters.{action}_petitionupdate" for action in ("view", "add", "change")],
    )


@hooks.register("register_petitions_menu_item")
def register_supporters_menu_item():
    return PermissionMenuItem(
        _("Supporters"),
        reverse("supporters_supporter:index"),
        icon_name="group",
        order=305,
        permissions=["supporters.view_supporter"],
    )


@hooks.register("register_petitions_menu_item")
def register_consent_menu_item():
    return PermissionMenuItem(
        _("Consent ledger"),
        reverse("supporters_consent:index"),
        icon_name="tick-inverse",
        order=310,
        permissions=["supporters.view_consentevent"],
    )


@hooks.register("register_page_listing_more_buttons")
def petition_update_button(page, user, next_url=None, **kwargs):
    if isinstance(page.specific_deferred, PetitionPage) and user.has_perm(
        "supporters.add_petitionupdate"
    ):
        yield Button(
            _("Email an update to signers"),
            reverse("supporters_update:add") + f"?petition={page.pk}",
            icon_name="mail",
            priority=62,
        )


@hooks.register("register_admin_urls")
def register_privacy_admin_urls():
    return [path("privacy/", include(privacy_urls.admin_urls))]


@hooks.register("register_admin_menu_item")
def register_privacy_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Privacy"),
        reverse("privacy_admin:search"),
        icon_name="lock",
        order=170,
        permissions=[PRIVACY_PERMISSION],
    )
