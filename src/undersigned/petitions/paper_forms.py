"""The organiser's forms for paper signatures: a sheet typed into a grid, or a file uploaded.

They only carry what was typed; what a row may hold is decided by the signing rules
(:mod:`undersigned.petitions.paper`), which mark each row's problem on these forms.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from undersigned.petitions.paper import GRID_ROWS


class PaperSheetForm(forms.Form):
    reference = forms.CharField(
        label=_("Sheet reference"),
        max_length=100,
        help_text=_("As written on the sheet, e.g. “Market stall 12”, so it can be found again."),
        error_messages={"required": _("Enter the sheet's reference")},
    )
    collected_on = forms.DateField(
        label=_("Date collected"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the date the signatures were collected"),
            "invalid": _("Enter the date collected as a real date, like 2026-05-30"),
        },
    )


class PaperRowForm(forms.Form):
    """One line of a sheet, as typed: checked by the signing rules, not here."""

    name = forms.CharField(label=_("Name"), required=False, strip=False)
    address = forms.CharField(label=_("Address"), required=False, strip=False)
    postcode = forms.CharField(label=_("Postcode"), required=False, strip=False)


PaperRowFormSet = forms.formset_factory(
    PaperRowForm, extra=GRID_ROWS, max_num=GRID_ROWS, absolute_max=GRID_ROWS, validate_max=True
)


class PaperUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (saved as “CSV UTF-8”) or Excel .xlsx, with a first row naming the columns "
            "Name, Address and Postcode."
        ),
        error_messages={"required": _("Choose the file to upload")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    reference = forms.CharField(
        label=_("Sheet reference"),
        max_length=100,
        required=False,
        help_text=_("Leave empty to use the file's name."),
    )
    collected_on = forms.DateField(
        label=_("Date collected"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the date the signatures were collected"),
            "invalid": _("Enter the date collected as a real date, like 2026-05-30"),
        },
    )
