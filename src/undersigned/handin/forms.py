"""Forms on the hand-in admin page: build a pack, record the hand-in."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HandinPackForm(forms.Form):
    include_addresses = forms.BooleanField(
        label=_("Include signatories' postal addresses"),
        required=False,
        help_text=_(
            "Only if the council asks for them. Email addresses are never included in a pack."
        ),
    )


class HandInForm(forms.Form):
    handed_in_on = forms.DateField(
        label=_("Date handed in"),
        initial=timezone.localdate,
        # A date input shows only an ISO date; the locale's format would leave it empty.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    handed_in_to = forms.CharField(
        label=_("Handed in to"),
        max_length=200,
        help_text=_("Who received it, e.g. “the Mayor at Full Council”."),
    )
