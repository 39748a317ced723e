"""Forms on the abuse admin pages: making an invalidation rule, choosing a trending period."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from undersigned.abuse import services
from undersigned.abuse.models import RuleKind
from undersigned.site.errors import ApplicationError

# The browser's own date and time picker: no JavaScript, and typed text works too.
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT)


class InvalidationRuleForm(forms.Form):
    """A rule as an organiser states it: which signatures, optionally when, and why."""

    kind = forms.ChoiceField(label=_("Rule"), choices=RuleKind.choices, widget=forms.RadioSelect)
    value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=254,
        help_text=_(
            "The IP hash or the email domain (example.org; *.example.org also catches its "
            "subdomains), or a name pattern: any case, * for any run of characters, e.g. "
            "“test*”. Leave empty for a time window."
        ),
    )
    starts_at = forms.DateTimeField(
        label=_("From"),
        required=False,
        widget=_datetime_input(),
        help_text=_("Signed at or after this time (site time). Optional except for a window."),
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=_datetime_input(),
        help_text=_("Signed before this time. Optional except for a time window."),
    )
    note = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Why these signatures should not count, for the record."),
    )

    def clean(self):
        cleaned = super().clean()
        if "kind" not in cleaned or self.has_error("starts_at") or self.has_error("ends_at"):
            return cleaned
        try:
            services.rule_values_clean(
                kind=cleaned["kind"],
                value=cleaned.get("value", ""),
                starts_at=cleaned.get("starts_at"),
                ends_at=cleaned.get("ends_at"),
            )
        except ApplicationError as error:
            self.add_error(error.extra.get("field", "value"), error.message)
        return cleaned


class TrendingPeriodForm(forms.Form):
    HOURS = [(6, _("6 hours")), (24, _("24 hours")), (48, _("48 hours")), (168, _("7 days"))]

    hours = forms.TypedChoiceField(
        label=_("Show the last"), choices=HOURS, coerce=int, initial=48, required=False
    )
