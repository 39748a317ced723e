"""Forms for the organisers' side: confirming a send, unsubscribing someone on request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from undersigned.petitions.models import PetitionPage


class SendConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the preview and want to send this update now"),
        error_messages={"required": _("Tick the box to confirm that you want to send it")},
    )


class OrganiserUnsubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The address that asked to stop getting updates."),
    )
    petition = forms.ModelChoiceField(
        label=_("Petition"),
        queryset=PetitionPage.objects.order_by("title"),
        help_text=_("Updates about this petition stop at once."),
    )
