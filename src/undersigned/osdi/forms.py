"""The admin's form for making an API key."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from undersigned.osdi.models import ApiKey, ApiScope


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text=_("What will use it, e.g. \u201cAction Network sync\u201d."),
    )
    scope = forms.ChoiceField(
        label=_("What it may do"),
        choices=ApiScope.choices,
        initial=ApiScope.READ,
        widget=forms.RadioSelect,
    )
