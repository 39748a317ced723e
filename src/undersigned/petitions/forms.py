"""The sign form: field by field messages a person can act on, and nothing they typed lost.

On a petition that asks for them, the form also takes a honeypot (a field people never see)
and a proof-of-work solution filled in by the page's script; the template renders both with
empty values, so the page's HTML stays the same for everyone.
"""

from __future__ import annotations

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from undersigned.petitions.services import SignerDetails, SignMessages
from undersigned.places.postcodes import find_postcode, normalise_postcode
from undersigned.site.text import clean_multiline, clean_text


class SignatureForm(forms.Form):
    name = forms.CharField(
        label=_("Please enter your name"),
        max_length=200,
        error_messages={
            "required": SignMessages.NAME_MISSING,
            "max_length": SignMessages.NAME_TOO_LONG,
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=500,
        error_messages={"max_length": SignMessages.ADDRESS_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        max_length=16,
        error_messages={"max_length": SignMessages.POSTCODE_INVALID},
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "autocapitalize": "characters", "size": 10}
        ),
    )
    email = forms.CharField(
        label=_("Email address"),
        required=False,
        max_length=254,
        error_messages={"max_length": SignMessages.EMAIL_INVALID},
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "inputmode": "email"}
        ),
    )
    wants_updates = forms.BooleanField(required=False)

    # Which question number (and which of its inputs) each field belongs to.
    QUESTIONS = {"name": 1, "address": 2, "postcode": 2, "email": 3, "wants_updates": 3}
    # Named like a field robots expect to fill in; people never see it.
    HONEYPOT_FIELD = "website"
    PROOF_OF_WORK_FIELD = "proof_of_work"

    def __init__(
        self,
        *args,
        consent_text: str,
        honeypot: bool = False,
        proof_of_work: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wants_updates"].label = consent_text
        self.honeypot = honeypot
        self.proof_of_work = proof_of_work
        # No length limits: an error on a field nobody sees would help no one.
        if honeypot:
            self.fields[self.HONEYPOT_FIELD] = forms.CharField(required=False)
        if proof_of_work:
            self.fields[self.PROOF_OF_WORK_FIELD] = forms.CharField(required=False)

    @property
    def honeypot_filled(self) -> bool:
        return self.honeypot and bool(self.cleaned_data.get(self.HONEYPOT_FIELD))

    @property
    def proof_of_work_solution(self) -> str:
        return self.cleaned_data.get(self.PROOF_OF_WORK_FIELD, "")

    def clean_name(self) -> str:
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(SignMessages.NAME_MISSING, code="required")
        return name

    def clean_address(self) -> str:
        # Tidied as it will be stored, so that an address of invisible characters is missing.
        return clean_multiline(self.cleaned_data["address"])

    def clean_postcode(self) -> str:
        raw = self.cleaned_data["postcode"]
        if not raw.strip():
            return ""
        postcode = normalise_postcode(raw)
        if postcode is None:
            raise forms.ValidationError(SignMessages.POSTCODE_INVALID, code="invalid")
        return postcode

    def clean_email(self) -> str:
        # Checked as it will be stored: "ada@\u200b.org" would be "ada@.org" once tidied.
        email = clean_text(self.cleaned_data["email"])
        if email:
            try:
                validate_email(email)
            except forms.ValidationError:
                raise forms.ValidationError(SignMessages.EMAIL_INVALID, code="invalid") from None
        email = email.lower()
        # Lower-casing can lengthen an address ("İ" -> "i̇"); it must still fit its column.
        if len(email) > self.fields["email"].max_length:
            raise forms.ValidationError(SignMessages.EMAIL_INVALID, code="invalid")
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        address = cleaned.get("address", "")
        if "postcode" in cleaned and "address" in cleaned:
            if not address.strip() and not cleaned["postcode"]:
                self.add_error("address", forms.ValidationError(SignMessages.PLACE_MISSING))
            elif not cleaned["postcode"]:
                cleaned["postcode"] = find_postcode(address) or ""
        if cleaned.get("wants_updates") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", forms.ValidationError(SignMessages.EMAIL_NEEDED_FOR_UPDATES))
        return cleaned

    def signer_details(self) -> SignerDetails:
        data = self.cleaned_data
        return SignerDetails(
            name=data["name"],
            address=data["address"],
            postcode=data["postcode"],
            email=data["email"],
            wants_updates=data["wants_updates"],
        )
