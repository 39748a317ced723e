"""The sign form: field by field messages a person can act on, and nothing they typed lost.

On a petition that asks for them, the form also takes a honeypot (a field people never see)
and a proof-of-work solution filled in by the page's script; the template renders both with
empty values, so the page's HTML stays the same for everyone.

What each field's value becomes, and which combinations are refused, are plain functions
here: :class:`SignatureForm` calls them to word its messages, and :func:`signature_data_read`
calls them to take a submission without building a form (see
:mod:`undersigned.speed.sign_fast_path`), so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from undersigned.petitions.services import SignerDetails, SignMessages, signature_max_length
from undersigned.places.postcodes import find_postcode, normalise_postcode
from undersigned.site.text import clean_multiline, clean_text


def name_clean(value: str) -> str:
    name = clean_text(value)
    if not name:
        raise forms.ValidationError(SignMessages.NAME_MISSING, code="required")
    return name


def address_clean(value: str) -> str:
    # Tidied as it will be stored, so that an address of invisible characters is missing.
    return clean_multiline(value)


def postcode_clean(value: str) -> str:
    if not value.strip():
        return ""
    postcode = normalise_postcode(value)
    if postcode is None:
        raise forms.ValidationError(SignMessages.POSTCODE_INVALID, code="invalid")
    return postcode


def email_clean(value: str, *, max_length: int) -> str:
    # Checked as it will be stored: "ada@\u200b.org" would be "ada@.org" once tidied.
    email = clean_text(value)
    if email:
        try:
            validate_email(email)
        except forms.ValidationError:
            raise forms.ValidationError(SignMessages.EMAIL_INVALID, code="invalid") from None
    email = email.lower()
    # Lower-casing can lengthen an address ("İ" -> "i̇"); it must still fit its column.
    if len(email) > max_length:
        raise forms.ValidationError(SignMessages.EMAIL_INVALID, code="invalid")
    return email


def together_check(cleaned: dict, *, email_ok: bool = True) -> dict[str, forms.ValidationError]:
    """The rules across fields, on values that passed their own: what to say under which
    field. Fills in ``cleaned["postcode"]`` from the address when only the address has one."""
    problems = {}
    if "postcode" in cleaned and "address" in cleaned:
        if not cleaned["address"].strip() and not cleaned["postcode"]:
            problems["address"] = forms.ValidationError(SignMessages.PLACE_MISSING)
        elif not cleaned["postcode"]:
            cleaned["postcode"] = find_postcode(cleaned["address"]) or ""
    if email_ok and cleaned.get("wants_updates") and not cleaned.get("email"):
        problems["email"] = forms.ValidationError(SignMessages.EMAIL_NEEDED_FOR_UPDATES)
    return problems


def unseen_field() -> forms.CharField:
    """A field filled in by a robot or a script, never by a person typing."""
    # No length limit: an error on a field nobody sees would help no one.
    return forms.CharField(required=False)


class SignatureForm(forms.Form):
    name = forms.CharField(
        label=_("Please enter your name"),
        max_length=signature_max_length("name"),
        error_messages={
            "required": SignMessages.NAME_MISSING,
            "max_length": SignMessages.NAME_TOO_LONG,
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=signature_max_length("address"),
        error_messages={"max_length": SignMessages.ADDRESS_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        required=False,
        # As typed, spaces and all: the stored form (at most 8 characters) is worked out later.
        max_length=16,
        error_messages={"max_length": SignMessages.POSTCODE_INVALID},
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "autocapitalize": "characters", "size": 10}
        ),
    )
    email = forms.CharField(
        label=_("Email address"),
        required=False,
        max_length=signature_max_length("email"),
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
        if honeypot:
            self.fields[self.HONEYPOT_FIELD] = unseen_field()
        if proof_of_work:
            self.fields[self.PROOF_OF_WORK_FIELD] = unseen_field()

    @property
    def honeypot_value(self) -> str:
        """What came in the field people never see ("" on a petition without it)."""
        return self.cleaned_data.get(self.HONEYPOT_FIELD, "")

    @property
    def proof_of_work_solution(self) -> str:
        return self.cleaned_data.get(self.PROOF_OF_WORK_FIELD, "")

    def clean_name(self) -> str:
        return name_clean(self.cleaned_data["name"])

    def clean_address(self) -> str:
        return address_clean(self.cleaned_data["address"])

    def clean_postcode(self) -> str:
        return postcode_clean(self.cleaned_data["postcode"])

    def clean_email(self) -> str:
        return email_clean(self.cleaned_data["email"], max_length=self.fields["email"].max_length)

    def clean(self) -> dict:
        cleaned = super().clean()
        for field, problem in together_check(cleaned, email_ok="email" not in self.errors).items():
            self.add_error(field, problem)
        return cleaned

    def signer_details(self) -> SignerDetails:
        return signer_details_of(self.cleaned_data)


def signer_details_of(data: dict) -> SignerDetails:
    return SignerDetails(
        name=data["name"],
        address=data["address"],
        postcode=data["postcode"],
        email=data["email"],
        wants_updates=data["wants_updates"],
    )


FIELD_CLEANERS = {
    "name": name_clean,
    "address": address_clean,
    "postcode": postcode_clean,
    "email": lambda value: email_clean(
        value, max_length=SignatureForm.base_fields["email"].max_length
    ),
}
HONEYPOT_FIELD = unseen_field()


def signature_data_read(
    data: Mapping[str, str], *, honeypot: bool = False
) -> tuple[SignerDetails, str] | None:
    """The signer's details, and what came in the honeypot field, if a
    :class:`SignatureForm` given ``data`` would be valid; ``None`` if it would have anything
    to say (then the form is the one to say it).

    It cleans each field as the form does, with the form's own field objects and the same
    functions, but builds no form (a form copies every field for each instance). ``data``
    maps each name to one value, as a ``QueryDict`` (whose ``get`` is the last value sent).
    Not for a petition asking for proof of work: that takes the form.
    """
    cleaned = {}
    try:
        for name, field in SignatureForm.base_fields.items():
            value = field.clean(field.widget.value_from_datadict(data, {}, name))
            cleaner = FIELD_CLEANERS.get(name)
            cleaned[name] = cleaner(value) if cleaner else value
        honeypot_value = (
            HONEYPOT_FIELD.clean(data.get(SignatureForm.HONEYPOT_FIELD)) if honeypot else ""
        )
    except forms.ValidationError:
        return None
    if together_check(cleaned):
        return None
    return signer_details_of(cleaned), honeypot_value
