"""Forms for the organisers' side: confirming a send, unsubscribing someone on request, and
the supporter list's filters (shared by the list and its CSV export)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from undersigned.petitions.models import PetitionPage
from undersigned.places.models import Constituency, Ward
from undersigned.supporters.models import Supporter, SupporterStatus


class SendConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the preview and want to send this update now"),
        error_messages={"required": _("Tick the box to confirm that you want to send it")},
    )


class OrganiserUnsubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "The address that asked to stop getting updates. All updates to it stop at once, "
            "whichever petitions it signed."
        ),
    )


def _ward_choices() -> list[tuple[str, str]]:
    return list(Ward.objects.order_by("name", "code").values_list("code", "name"))


def _constituency_choices() -> list[tuple[str, str]]:
    return list(Constituency.objects.order_by("name", "code").values_list("code", "name"))


class SupporterFilterSet(WagtailFilterSet):
    """What the supporter list can be narrowed to. The export honours the same filters, so
    the file holds the people the organiser was looking at (confirmed ones only)."""

    ward_code = django_filters.ChoiceFilter(label=_("Ward"), choices=_ward_choices)
    constituency_code = django_filters.ChoiceFilter(
        label=_("Constituency"), choices=_constituency_choices
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SupporterStatus.choices)
    source_petition = django_filters.ModelChoiceFilter(
        label=_("Signed up on"), queryset=PetitionPage.objects.order_by("title")
    )
    signed_up_at = django_filters.DateFromToRangeFilter(
        label=_("Signed up between"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Supporter
        fields = ["ward_code", "constituency_code", "status", "source_petition", "signed_up_at"]


class SupporterUnsubscribeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("They asked to stop getting updates: stop them all now"),
        error_messages={"required": _("Tick the box to confirm")},
    )
