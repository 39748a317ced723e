"""The contact form: field-by-field messages a person can act on, a honeypot and a timestamp."""

from __future__ import annotations

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from undersigned.contact.services import MESSAGE_MAX_LENGTH, EnquiryMessages, clean_message
from undersigned.contact.spam import form_shown_token
from undersigned.places import selectors as places_selectors
from undersigned.places.models import Ward
from undersigned.places.postcodes import normalise_postcode
from undersigned.site.text import clean_text


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={
            "required": EnquiryMessages.NAME_MISSING,
            "max_length": EnquiryMessages.NAME_TOO_LONG,
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email = forms.CharField(
        label=_("Your email address"),
        help_text=_("So that we can reply to you."),
        max_length=254,
        error_messages={
            "required": EnquiryMessages.EMAIL_MISSING,
            "max_length": EnquiryMessages.EMAIL_INVALID,
        },
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "inputmode": "email"}
        ),
    )
    postcode = forms.CharField(
        label=_("Your postcode"),
        help_text=_("So that we can pass your message to your local ward team."),
        max_length=16,
        error_messages={
            "required": EnquiryMessages.POSTCODE_MISSING,
            "max_length": EnquiryMessages.POSTCODE_INVALID,
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "autocapitalize": "characters", "size": 10}
        ),
    )
    ward = forms.ModelChoiceField(
        label=_("Your ward"),
        help_text=_("If you know it. We find it from your postcode where we can."),
        queryset=Ward.objects.none(),  # set per form: the wards that have a team
        required=False,
        empty_label=_("I'm not sure"),
        error_messages={"invalid_choice": EnquiryMessages.WARD_INVALID},
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={
            "required": EnquiryMessages.MESSAGE_MISSING,
            "max_length": EnquiryMessages.MESSAGE_TOO_LONG,
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # The honeypot: hidden from people, out of the tab order, never autofilled.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # When the form was shown (signed), for the time-to-submit check.
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, shown_token: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Looked up per form, so that a team published a moment ago can be chosen.
        self.fields["ward"].queryset = places_selectors.ward_list_with_team()
        self.shown_token = shown_token if shown_token is not None else form_shown_token()

    def clean_name(self) -> str:
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(EnquiryMessages.NAME_MISSING, code="required")
        return name

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        try:
            validate_email(email)
        except forms.ValidationError:
            raise forms.ValidationError(EnquiryMessages.EMAIL_INVALID, code="invalid") from None
        email = email.lower()
        if len(email) > self.fields["email"].max_length:
            raise forms.ValidationError(EnquiryMessages.EMAIL_INVALID, code="invalid")
        return email

    def clean_postcode(self) -> str:
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if postcode is None:
            raise forms.ValidationError(EnquiryMessages.POSTCODE_INVALID, code="invalid")
        return postcode

    def clean_message(self) -> str:
        message = clean_message(self.cleaned_data["message"])
        if not message:
            raise forms.ValidationError(EnquiryMessages.MESSAGE_MISSING, code="required")
        return message

    def full_clean(self) -> None:
        super().full_clean()
        # Tie each field's error message to its input, after the hint, for screen readers.
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                described.insert(0, f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)
