"""Subject access: finding everything held about one person, for a copy or for erasure.

A person is found by their email, or by their name and postcode folded the way the sign
form folds them, so ``ADA  lovelace`` at ``cr01ny`` finds what ``Ada Lovelace`` signed at
``CR0 1NY``. Only reads: erasing what is found is ``supporters.erasure``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from undersigned.contact import selectors as contact_selectors
from undersigned.contact.models import Enquiry
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions.models import Signature
from undersigned.petitions.services import name_key
from undersigned.places.postcodes import normalise_postcode
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text
from undersigned.supporters.models import (
    ErasureRecord,
)


class SubjectMessages:
    NOTHING_TO_SEARCH = gettext_lazy("Enter an email address, or a name and a postcode")
    EMAIL_INVALID = gettext_lazy(
        "Enter an email address in the correct format, like name@example.com"
    )
    NAME_WITHOUT_POSTCODE = gettext_lazy("Enter the postcode as well as the name")
    POSTCODE_WITHOUT_NAME = gettext_lazy("Enter the name as well as the postcode")
    POSTCODE_INVALID = gettext_lazy("Enter a real UK postcode, like CR0 1NY")


@dataclass(frozen=True)
class DataSubject:
    """The person whose data is looked for: an email, a name and postcode, or both."""

    email: str = ""
    name: str = ""
    postcode: str = ""

    @property
    def name_key(self) -> str:
        return name_key(self.name) if self.name else ""

    @property
    def by_name_and_postcode(self) -> bool:
        return bool(self.name and self.postcode)

    def as_query(self) -> dict[str, str]:
        """The search as GET or POST parameters, to carry it from one screen to the next."""
        return {"email": self.email, "name": self.name, "postcode": self.postcode}


def data_subject_build(*, email: str = "", name: str = "", postcode: str = "") -> DataSubject:
    """Check and normalise what an organiser typed; raises :class:`ApplicationError`."""
    email = clean_text(email).lower()
    name = clean_text(name)
    raw_postcode = clean_text(postcode)
    if not (email or name or raw_postcode):
        raise ApplicationError(str(SubjectMessages.NOTHING_TO_SEARCH))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError(str(SubjectMessages.EMAIL_INVALID)) from None
    if name and not raw_postcode:
        raise ApplicationError(str(SubjectMessages.NAME_WITHOUT_POSTCODE))
    if raw_postcode and not name:
        raise ApplicationError(str(SubjectMessages.POSTCODE_WITHOUT_NAME))
    normalised = normalise_postcode(raw_postcode) if raw_postcode else ""
    if normalised is None:
        raise ApplicationError(str(SubjectMessages.POSTCODE_INVALID))
    return DataSubject(email=email, name=name, postcode=normalised)


def _row(instance: models.Model) -> dict[str, Any]:
    """Every stored column of a row, by field name (foreign keys as their key)."""
    return {f.name: f.value_from_object(instance) for f in instance._meta.concrete_fields}


@dataclass
class HeldRows:
    """Rows of one kind held about the person, from a model another app may add later."""

    label: str
    rows: list[models.Model] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [_row(row) for row in self.rows]


@dataclass
class PersonalData:
    """What is held about one person, gathered from every app that keeps personal data."""

    subject: DataSubject
    signatures: list[Signature]
    enquiries: list[Enquiry]
    other: list[HeldRows]
    emails: set[str] = field(default_factory=set)

    @property
    def is_empty(self) -> bool:
        return not (self.signatures or self.enquiries or any(held.rows for held in self.other))

    def as_export(self, *, data_controller: str = "") -> dict[str, Any]:
        """The copy a person is given: plain JSON types (dates as ISO 8601 via the encoder)."""
        signatures = []
        for signature in self.signatures:
            row = _row(signature)
            row["petition"] = {
                "id": signature.petition_id,
                "title": signature.petition.title,
                "target": signature.petition.target,
                "organiser": signature.petition.organiser_name,
            }
            row["counted"] = signature.state == "counted"
            signatures.append(row)
        enquiries = []
        for enquiry in self.enquiries:
            row = _row(enquiry)
            row["ward"] = enquiry.ward.name if enquiry.ward else ""
            enquiries.append(row)
        return {
            "generated_at": timezone.now(),
            "data_controller": data_controller,
            "searched_for": self.subject.as_query(),
            "petition_signatures": signatures,
            "contact_messages": enquiries,
            **{held.label: held.as_dicts() for held in self.other},
        }


def _supporter_models() -> list[type[models.Model]]:
    """The supporters app's other models that hold rows about a person (e.g. consent events).

    Written to work with models added later: a model takes part if it has an ``email``
    field or a foreign key to a signature.
    """
    found = []
    for model in apps.get_app_config("supporters").get_models():
        if model is ErasureRecord:
            continue
        if _supporter_filter_fields(model):
            found.append(model)
    return found


def _supporter_filter_fields(model: type[models.Model]) -> list[str]:
    fields = []
    for f in model._meta.concrete_fields:
        if f.name == "email" and isinstance(f, models.CharField):
            fields.append("email")
        elif f.is_relation and f.related_model is Signature:
            fields.append(f.name)
    return fields


def signature_list_for_subject(*, subject: DataSubject) -> QuerySet[Signature]:
    """Every signature of the person on every petition, in any state."""
    return petition_selectors.signature_list_for_person(
        email=subject.email,
        name_key=subject.name_key if subject.by_name_and_postcode else "",
        postcode=subject.postcode,
    )


def _email_match(emails: set[str]) -> Q:
    match = Q()
    for email in sorted(emails):
        match |= Q(email__iexact=email)
    return match


def enquiry_list_for_subject(
    *, subject: DataSubject, emails: set[str] | None = None
) -> QuerySet[Enquiry]:
    """Messages the person sent through the contact form, with the team's notes on them.

    ``emails`` are further addresses known to be theirs (from their signatures).
    """
    by_name = subject.by_name_and_postcode
    return contact_selectors.enquiry_list_for_person(
        emails={subject.email, *(emails or set())},
        name_key=subject.name_key if by_name else "",
        postcode=subject.postcode if by_name else "",
    )


def personal_data_get(*, subject: DataSubject) -> PersonalData:
    """Everything held about ``subject``: their signatures, then whatever else carries an
    email address of theirs (the one searched for, or one they signed with)."""
    signatures = list(signature_list_for_subject(subject=subject))
    emails = {subject.email} | {signature.email.lower() for signature in signatures}
    emails.discard("")
    other = []
    for model in _supporter_models():
        match = Q()
        for name in _supporter_filter_fields(model):
            if name == "email":
                match |= _email_match(emails)
            elif signatures:
                match |= Q(**{f"{name}__in": [signature.pk for signature in signatures]})
        rows = list(model._default_manager.filter(match)) if match else []
        other.append(HeldRows(label=str(model._meta.verbose_name_plural), rows=rows))
    return PersonalData(
        subject=subject,
        signatures=signatures,
        enquiries=list(enquiry_list_for_subject(subject=subject, emails=emails)),
        other=other,
        emails=emails,
    )
