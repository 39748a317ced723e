"""Erasure: deleting everything held about one person, and recording that it happened.

What is erased is what subject access finds (``supporters.subject_access``). Signatures
are deleted by petitions (so a petition's count goes down) and messages by contact; the
consent ledger records a withdrawal and forgets the address; the person's row on the
supporter list is deleted. An :class:`ErasureRecord` says how much went and why, never
whose it was.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from undersigned.contact import services as contact_services
from undersigned.petitions import services as petition_services
from undersigned.petitions.models import PetitionPage
from undersigned.petitions.services import name_key
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text
from undersigned.supporters.ledger import supporter_records_anonymise, supporter_unsubscribe
from undersigned.supporters.models import (
    ConsentEvent,
    ErasureKind,
    ErasureRecord,
    Supporter,
    UpdateDelivery,
)
from undersigned.supporters.subject_access import DataSubject, PersonalData, personal_data_get


class ErasureMessages:
    NOTE_IDENTIFIES = gettext_lazy(
        "Keep the note free of personal details: say how the request came, not who made it"
    )


@dataclass(frozen=True)
class ErasureResult:
    signatures_deleted: int
    enquiries_deleted: int
    other_removed: int
    records: list[ErasureRecord]
    supporters_deleted: int = 0


def _ledger_forget(*, data: PersonalData, performed_by) -> int:
    """Take the person out of the consent ledger, the update deliveries and the list.

    Through the ledger's own services where they exist: a withdrawal is recorded ("on
    erasure"), then the ledger keeps what was agreed and when but no longer whose address it
    was. Their supporter row goes (it is only the list an update is sent from: the ledger
    stays the record). Returns how many ledger and delivery rows were found.
    """
    found = sum(
        len(held.rows)
        for held in data.other
        if not any(isinstance(row, Supporter) for row in held.rows)
    )
    if not found:
        return 0
    emails = data.emails
    petition_ids = (
        {s.petition_id for s in data.signatures}
        | set(ConsentEvent.objects.filter(email__in=emails).values_list("petition_id", flat=True))
        | set(
            UpdateDelivery.objects.filter(email__in=emails).values_list(
                "update__petition_id", flat=True
            )
        )
    )
    for petition in PetitionPage.objects.filter(pk__in=petition_ids):
        for email in sorted(emails):
            supporter_unsubscribe(
                email=email, petition=petition, source="erasure", recorded_by=performed_by
            )
            supporter_records_anonymise(petition=petition, email=email)
    return found


_LOOKS_LIKE_EMAIL = re.compile(r"\S@\S")


def _note_check(note: str, subject: DataSubject) -> None:
    folded = note.casefold()
    compact = "".join(folded.split())
    names_them = (
        _LOOKS_LIKE_EMAIL.search(note)
        or (subject.email and subject.email.casefold() in folded)
        or (subject.name and name_key(subject.name) in name_key(note))
        or (subject.postcode and "".join(subject.postcode.casefold().split()) in compact)
    )
    if names_them:
        raise ApplicationError(str(ErasureMessages.NOTE_IDENTIFIES))


def personal_data_erase(
    *, subject: DataSubject, performed_by=None, note: str = ""
) -> ErasureResult:
    """Delete everything held about ``subject`` and record that it happened, not about whom.

    One record per petition that lost signatures (so that its lower count can be explained)
    and one for messages and other rows not tied to a petition. Petitions deletes the
    signatures (and drops those petitions' cached counts once the deletion is committed).
    """
    note = clean_text(note)[: ErasureRecord._meta.get_field("note").max_length]
    _note_check(note, subject)
    now = timezone.now()
    with transaction.atomic():
        data = personal_data_get(subject=subject)
        per_petition = Counter(signature.petition_id for signature in data.signatures)
        petitions = {signature.petition_id: signature.petition for signature in data.signatures}

        other_removed = _ledger_forget(data=data, performed_by=performed_by)
        supporters_deleted, _by_model = Supporter.objects.filter(email__in=data.emails).delete()

        signatures_deleted = petition_services.signatures_delete(signatures=data.signatures)

        enquiry_ids = [enquiry.pk for enquiry in data.enquiries]
        contact_services.enquiries_delete(pks=enquiry_ids)

        records = [
            ErasureRecord.objects.create(
                kind=ErasureKind.REQUEST,
                petition=petitions[petition_id],
                signatures_affected=count,
                performed_by=performed_by,
                performed_at=now,
                note=note,
            )
            for petition_id, count in sorted(per_petition.items())
        ]
        if enquiry_ids or other_removed or supporters_deleted or not records:
            records.append(
                ErasureRecord.objects.create(
                    kind=ErasureKind.REQUEST,
                    signatures_affected=0,
                    performed_by=performed_by,
                    performed_at=now,
                    note=_erasure_note(
                        note,
                        enquiries=len(enquiry_ids),
                        other=other_removed,
                        supporters=supporters_deleted,
                    ),
                )
            )
    return ErasureResult(
        signatures_deleted=signatures_deleted,
        enquiries_deleted=len(enquiry_ids),
        other_removed=other_removed,
        records=records,
        supporters_deleted=supporters_deleted,
    )


def _erasure_note(note: str, *, enquiries: int, other: int, supporters: int = 0) -> str:
    parts = []
    if enquiries:
        parts.append(
            ngettext(
                "%(count)d contact-form message deleted",
                "%(count)d contact-form messages deleted",
                enquiries,
            )
            % {"count": enquiries}
        )
    if other:
        parts.append(
            ngettext(
                "%(count)d consent-ledger or delivery record made anonymous",
                "%(count)d consent-ledger or delivery records made anonymous",
                other,
            )
            % {"count": other}
        )
    if supporters:
        parts.append(_("taken off the supporter list"))
    if not parts:
        parts.append(_("nothing was found"))
    summary = "; ".join(parts)
    text = f"{note} ({summary})" if note else summary[:1].upper() + summary[1:]
    return text[: ErasureRecord._meta.get_field("note").max_length]
