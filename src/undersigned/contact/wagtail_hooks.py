"""The "Inbox" menu in the Wagtail admin: the messages sent through the contact form.

The team triages a message (status, assigned ward team, internal notes); what the sender
wrote is shown read-only and cannot be changed.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import EditView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log

from undersigned.contact import selectors, services
from undersigned.contact.models import Enquiry


class MessagePanel(FieldPanel):
    """The sender's message, read-only, with its paragraphs kept."""

    read_only_output_template_name = "contact/admin/read_only_message.html"


class EnquiryEditView(EditView):
    """Saves through :func:`services.enquiry_update`, so only the team's fields can change."""

    def save_instance(self):
        data = self.form.cleaned_data
        enquiry = services.enquiry_update(
            enquiry=self.object,
            status=data["status"],
            assigned_team=data["assigned_team"],
            notes=data["notes"],
        )
        log(
            instance=enquiry,
            action="wagtail.edit",
            user=self.request.user,
            content_changed=self.form.has_changed(),
        )
        return enquiry


class EnquiryFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Received"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Enquiry
        fields = ["status", "assigned_team", "created_at"]


class EnquiryViewSet(ModelViewSet):
    model = Enquiry
    menu_label = _("Messages")
    icon = "mail"
    url_prefix = "inbox/messages"
    url_namespace = "contact_enquiry"
    edit_view_class = EnquiryEditView
    list_display = [
        "name",
        "postcode",
        Column("ward", label=_("Ward"), accessor="ward"),
        Column("assigned_team", label=_("Ward team"), accessor="assigned_team"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        "created_at",
    ]
    filterset_class = EnquiryFilterSet
    search_fields = ["name", "email", "message"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name", read_only=True),
                FieldPanel("email", read_only=True),
                FieldPanel("postcode", read_only=True),
                FieldPanel("ward", read_only=True),
                FieldPanel("created_at", read_only=True),
                MessagePanel("message", read_only=True),
            ],
            heading=_("From the sender"),
        ),
        FieldPanel("status", widget=forms.RadioSelect),
        FieldPanel("assigned_team", widget=forms.Select),
        FieldPanel("notes"),
    ]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_admin_menu = False

    def get_queryset(self, request):
        return selectors.enquiry_list_for_admin()

    def get_common_view_kwargs(self, **kwargs):
        # Messages only ever come in through the contact form.
        return {**super().get_common_view_kwargs(**kwargs), "add_url_name": None}

    def get_urlpatterns(self):
        return [pattern for pattern in super().get_urlpatterns() if pattern.name != "add"]


class InboxViewSetGroup(ViewSetGroup):
    """The "Inbox" menu group; other apps' correspondence views can join it."""

    menu_label = _("Inbox")
    menu_icon = "mail"
    menu_order = 160
    submenu_hook = "register_inbox_menu_item"
    items = (EnquiryViewSet("enquiries"),)


@hooks.register("register_admin_viewset")
def register_inbox():
    return InboxViewSetGroup()
