"""Writes for paper signatures: a sheet typed into the admin's grid, or a file typed up by
volunteers (uploaded, reported on, then stored when the organiser confirms).

A paper signature is a signature like any other (``source = paper``, with its sheet): the
same rules of what it may hold (:func:`~undersigned.petitions.services.signer_check`), the
same ways of being the same person (``SAME_PERSON_RULES``, across paper and online), areas
from its postcode, counted, moderated, kept and erased as the rest. Rate limits, proof of
work, email and consent are for people signing online and do not apply.

A sheet is stored in one transaction, whole or not at all.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from undersigned.petitions import selectors
from undersigned.petitions.models import (
    SAME_PERSON_RULES,
    PaperSheet,
    PaperUpload,
    PetitionPage,
    PetitionState,
    Signature,
    SignatureSource,
    SignatureState,
)
from undersigned.petitions.paper_files import (
    PaperFileError,
    PaperRow,
    paper_file_check,
    paper_file_rows,
)
from undersigned.petitions.services import (
    CheckedSigner,
    SignerDetails,
    SignMessages,
    signature_max_length,
    signer_check,
)
from undersigned.places.selectors import postcode_areas
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text

# Rows a sheet of the grid has; a sheet of paper rarely has more.
GRID_ROWS = 25
# Signatures written to the database at a time.
STORE_BATCH = 500
# How long an upload waits for the organiser to confirm its report.
UPLOAD_KEPT_FOR = datetime.timedelta(days=1)


@dataclass(frozen=True)
class PaperRowProblem:
    """Why a row cannot be stored: which detail (``field``) and what to say."""

    row: PaperRow
    field: str
    message: str

    @property
    def number(self) -> int:
        return self.row.number


@dataclass(frozen=True)
class PaperReport:
    """Rows checked: how many can be stored, and those that cannot, with why; for a file,
    how many of those stored are people who signed already (kept as duplicates)."""

    accepted: int
    problems: list[PaperRowProblem]
    already_signed: int = 0

    @property
    def counted(self) -> int:
        """How much storing them would add to the count."""
        return self.accepted - self.already_signed


NOTHING_TO_STORE = gettext_lazy("There is no signature to store: type at least one.")
FORMULA_REFUSED = gettext_lazy(
    "This cell holds a spreadsheet formula, not what was written on the sheet"
)


def _organisers_wording(message: str) -> str:
    """``message`` from the sign form's rules, as said to the organiser typing a sheet: the
    sign form speaks to the signer ("Enter your name"), the grid and the report about them."""
    wording = {
        str(SignMessages.NAME_MISSING): _("No name: type the signer's name as written"),
        str(SignMessages.NAME_TOO_LONG): _("The name must be %(max)s characters or fewer")
        % {"max": signature_max_length("name")},
        str(SignMessages.PLACE_MISSING): _(
            "No address or postcode: a signature needs one or both, as written"
        ),
        str(SignMessages.ADDRESS_TOO_LONG): _("The address must be %(max)s characters or fewer")
        % {"max": signature_max_length("address")},
    }
    return wording.get(message, message)


def _rows_checked(rows: Iterable[PaperRow]) -> Iterator[CheckedSigner | PaperRowProblem]:
    """Each row through the rules of signing, as it comes; empty rows are left out."""
    for row in rows:
        if not (row.name.strip() or row.address.strip() or row.postcode.strip()):
            continue
        if row.formula_in:
            yield PaperRowProblem(row, row.formula_in, str(FORMULA_REFUSED))
            continue
        try:
            yield signer_check(
                signer=SignerDetails(name=row.name, address=row.address, postcode=row.postcode)
            )
        except ApplicationError as error:
            yield PaperRowProblem(row, error.extra["field"], _organisers_wording(error.message))


def _accepted(rows: Iterable[PaperRow]) -> Iterator[CheckedSigner]:
    return (item for item in _rows_checked(rows) if isinstance(item, CheckedSigner))


def paper_rows_check(*, rows: Iterable[PaperRow]) -> PaperReport:
    """What storing ``rows`` would take and leave out, without keeping the rows it takes."""
    accepted, problems = 0, []
    for item in _rows_checked(rows):
        if isinstance(item, PaperRowProblem):
            problems.append(item)
        else:
            accepted += 1
    return PaperReport(accepted=accepted, problems=problems)


def petition_ensure_takes_paper(petition: PetitionPage) -> None:
    """Paper signatures are entered while a petition is open or closed, until it is handed in
    (its pack would no longer agree) or its signers' personal data is removed."""
    if petition.state == PetitionState.HANDED_IN:
        raise ApplicationError(
            _("This petition has been handed in: its signatures can no longer change.")
        )
    if petition.personal_data_purged_at is not None:
        raise ApplicationError(
            _("Signers' personal data has been removed from this petition; nothing can be added.")
        )


def _sheet_details_check(
    petition: PetitionPage, *, reference: str, collected_on: datetime.date | None
) -> str:
    reference = clean_text(reference)
    if not reference:
        raise ApplicationError(_("Enter the sheet's reference"), extra={"field": "reference"})
    if len(reference) > PaperSheet._meta.get_field("reference").max_length:
        raise ApplicationError(
            _("The reference must be %(max)s characters or fewer")
            % {"max": PaperSheet._meta.get_field("reference").max_length},
            extra={"field": "reference"},
        )
    if collected_on is None:
        raise ApplicationError(
            _("Enter the date the signatures were collected"), extra={"field": "collected_on"}
        )
    if collected_on > timezone.localdate():
        raise ApplicationError(
            _("The date collected cannot be in the future"), extra={"field": "collected_on"}
        )
    sheet = PaperSheet.objects.filter(petition=petition, reference=reference).first()
    if sheet is not None:
        raise ApplicationError(_already_entered(sheet), extra={"field": "reference"})
    return reference


def _already_entered(sheet: PaperSheet) -> str:
    return _(
        "A sheet with the reference “%(reference)s” was already entered on %(date)s. "
        "If this is another sheet, give it its own reference."
    ) % {
        "reference": sheet.reference,
        "date": date_format(timezone.localtime(sheet.entered_at), "j M Y"),
    }


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _person_keys(signature: Signature) -> list[tuple]:
    """The signature's key by each rule that can find its person (rule first, in order)."""
    return [
        (rule.name, *(getattr(signature, name) for name in rule.key))
        for rule in SAME_PERSON_RULES
        if getattr(signature, rule.needs)
    ]


def _originals_stored(petition_id: int, signatures: list[Signature]) -> dict[tuple, Signature]:
    """The stored signatures, not duplicates, of the people of ``signatures``, by person key:
    one query per rule for the whole batch, through the rule's unique constraint."""
    found: dict[tuple, Signature] = {}
    for rule in SAME_PERSON_RULES:
        keyed = [s for s in signatures if getattr(s, rule.needs)]
        if not keyed:
            continue
        candidates = Signature.objects.filter(petition_id=petition_id).filter(
            rule.condition(),
            **{f"{name}__in": {getattr(s, name) for s in keyed} for name in rule.key},
        )
        for original in candidates.only("pk", "state", "created_at", *rule.key).order_by():
            found[(rule.name, *(getattr(original, name) for name in rule.key))] = original
    return found


def _batch_store(petition_id: int, signatures: list[Signature], now: datetime.datetime) -> None:
    """Store a batch of new paper signatures as the online path would: the person's first
    counts; a later one (after one stored before, online or on paper, or earlier in this
    batch) is a duplicate of the earliest; and one that finds only suspect signatures of
    its person counts in their place, making them its duplicates."""
    known = _originals_stored(petition_id, signatures)
    firsts: list[Signature] = []
    duplicates: list[Signature] = []
    replaced: dict[int, Signature] = {}  # suspect signature id -> the paper one in its place
    for signature in signatures:
        keys = _person_keys(signature)
        earlier = [known[key] for key in keys if key in known]
        if earlier and not all(s.state == SignatureState.SUSPECT for s in earlier):
            signature.state = SignatureState.DUPLICATE
            signature.duplicate_of = min(earlier, key=lambda s: s.created_at)
            duplicates.append(signature)
            continue
        for suspect in earlier:
            replaced[suspect.pk] = signature
        firsts.append(signature)
        known.update(dict.fromkeys(keys, signature))
    if replaced:
        # Out of the unique constraints' way before their replacement is stored.
        Signature.objects.filter(pk__in=list(replaced)).update(
            state=SignatureState.DUPLICATE, state_changed_at=now
        )
    Signature.objects.bulk_create(firsts)
    for pk, signature in replaced.items():
        Signature.objects.filter(pk=pk).update(duplicate_of=signature.pk)
    for signature in duplicates:
        # Its original may be a first of this batch, which has its key only now.
        signature.duplicate_of_id = signature.duplicate_of.pk
    Signature.objects.bulk_create(duplicates)


def _signatures_store(
    *, petition: PetitionPage, sheet: PaperSheet, accepted: Iterable[CheckedSigner]
) -> int:
    """Store ``accepted`` on ``sheet`` a batch at a time (only a batch is held); how many."""
    now = sheet.entered_at
    stored = 0
    for batch in _batches(accepted, STORE_BATCH):
        places = postcode_areas(postcodes=[signer.postcode for signer in batch if signer.postcode])
        signatures = []
        for signer in batch:
            place = places.get(signer.postcode)
            signatures.append(
                Signature(
                    petition_id=petition.pk,
                    name=signer.name,
                    name_key=signer.name_key,
                    address=signer.address,
                    postcode=signer.postcode,
                    source=SignatureSource.PAPER,
                    paper_sheet=sheet,
                    state=SignatureState.COUNTED,
                    created_at=now,
                    ward_code=place.ward_code if place else "",
                    constituency_code=place.constituency_code if place else "",
                    local_authority_code=place.local_authority_code if place else "",
                )
            )
        _batch_store(petition.pk, signatures, now)
        stored += len(signatures)
    return stored


def _sheet_store(
    *,
    petition: PetitionPage,
    reference: str,
    collected_on: datetime.date,
    accepted: Iterable[CheckedSigner],
    entered_by,
    file_sha256: str = "",
) -> PaperSheet:
    """The sheet and its signatures in one transaction; refused whole if no row can be
    stored, or if the reference or the file was stored meanwhile (the constraints say so)."""
    try:
        with transaction.atomic():
            sheet = PaperSheet.objects.create(
                petition=petition,
                reference=reference,
                collected_on=collected_on,
                entered_by=entered_by,
                file_sha256=file_sha256,
            )
            stored = _signatures_store(petition=petition, sheet=sheet, accepted=accepted)
            if not stored:
                raise ApplicationError(str(NOTHING_TO_STORE), extra={"problems": []})
            # In the petition's history, for whoever later asks where a number came from.
            log(
                instance=petition,
                action="undersigned.petition.paper_sheet",
                user=entered_by,
                data={"reference": sheet.reference, "signatures": stored},
            )
    except IntegrityError:
        # Someone stored the same sheet or file a moment ago, or the same person signed
        # online at the same moment as their paper row was matched: nothing was stored.
        raise ApplicationError(
            _("The sheet could not be stored just now (it changed meanwhile). Please try again.")
        ) from None
    transaction.on_commit(lambda: selectors.petition_counts_forget(petition=petition))
    return sheet


def paper_sheet_check(
    *,
    petition: PetitionPage,
    reference: str,
    collected_on: datetime.date | None,
    rows: Iterable[PaperRow],
) -> list[CheckedSigner]:
    """The rows of a sheet typed into the grid that would be stored, checked, storing nothing.

    :class:`ApplicationError` if the sheet's details or any row are refused; then
    ``extra["problems"]`` lists the rows' problems (:class:`PaperRowProblem`), or
    ``extra["field"]`` names the sheet's detail at fault.
    """
    petition_ensure_takes_paper(petition)
    checked = list(_rows_checked(rows))
    problems = [item for item in checked if isinstance(item, PaperRowProblem)]
    try:
        _sheet_details_check(petition, reference=reference, collected_on=collected_on)
    except ApplicationError as error:
        error.extra["problems"] = problems
        raise
    if problems:
        raise ApplicationError(
            _("Some rows need correcting; nothing was stored. Each is marked below."),
            extra={"problems": problems},
        )
    return [item for item in checked if isinstance(item, CheckedSigner)]


def paper_sheet_create(
    *,
    petition: PetitionPage,
    reference: str,
    collected_on: datetime.date | None,
    rows: Iterable[PaperRow],
    entered_by,
) -> PaperSheet:
    """Store a sheet typed into the grid: every row, or nothing (refused as
    :func:`paper_sheet_check` refuses)."""
    accepted = paper_sheet_check(
        petition=petition, reference=reference, collected_on=collected_on, rows=rows
    )
    return _sheet_store(
        petition=petition,
        reference=clean_text(reference),
        collected_on=collected_on,
        accepted=accepted,
        entered_by=entered_by,
    )


def file_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _file_stored_check(petition: PetitionPage, checksum: str) -> None:
    sheet = PaperSheet.objects.filter(petition=petition, file_sha256=checksum).first()
    if sheet is not None:
        raise ApplicationError(
            _(
                "This file was already stored on %(date)s as sheet “%(reference)s”. "
                "Nothing was stored twice."
            )
            % {
                "date": date_format(timezone.localtime(sheet.entered_at), "j M Y"),
                "reference": sheet.reference,
            }
        )


def paper_upload_rows(*, upload: PaperUpload) -> Iterator[PaperRow]:
    """The rows of an upload's file, read again as they are wanted (the rows are not kept
    between the two steps, only the file); :class:`ApplicationError` if it cannot be read."""
    try:
        yield from paper_file_rows(content=bytes(upload.content))
    except PaperFileError as error:
        raise ApplicationError(error.message) from None


def paper_upload_report(*, upload: PaperUpload) -> PaperReport:
    """What confirming ``upload`` would store, count and leave out, by the rules that storing
    it applies (:func:`_batch_store`), read a batch at a time like storing."""
    problems: list[PaperRowProblem] = []
    accepted = already_signed = 0
    seen: set[tuple] = set()  # people earlier in the file
    checked = _rows_checked(paper_upload_rows(upload=upload))
    for batch in _batches(checked, STORE_BATCH):
        problems += [item for item in batch if isinstance(item, PaperRowProblem)]
        people = [
            Signature(name_key=item.name_key, postcode=item.postcode, email="")
            for item in batch
            if isinstance(item, CheckedSigner)
        ]
        known = _originals_stored(upload.petition_id, people)
        for person in people:
            keys = _person_keys(person)
            earlier = [known[key] for key in keys if key in known]
            # One whose only earlier signatures are held back as suspect counts in their place.
            if any(key in seen for key in keys) or any(
                original.state != SignatureState.SUSPECT for original in earlier
            ):
                already_signed += 1
            seen.update(keys)
        accepted += len(people)
    return PaperReport(accepted=accepted, problems=problems, already_signed=already_signed)


def paper_upload_create(
    *,
    petition: PetitionPage,
    uploaded_by,
    file_name: str,
    content: bytes,
    reference: str,
    collected_on: datetime.date | None,
) -> PaperUpload:
    """Keep an uploaded file for its report: refused whole (:class:`ApplicationError`) if it
    cannot be read, has too many rows or a missing column, or was stored before.

    Nothing is stored as signatures until :func:`paper_upload_confirm`.
    """
    petition_ensure_takes_paper(petition)
    checksum = file_sha256(content)
    _file_stored_check(petition, checksum)
    try:
        paper_file_check(content=content)
    except PaperFileError as error:
        raise ApplicationError(error.message, extra={"field": "file"}) from None
    reference = _sheet_details_check(
        petition, reference=reference or file_name, collected_on=collected_on
    )
    paper_uploads_expire()
    return PaperUpload.objects.create(
        petition=petition,
        uploaded_by=uploaded_by,
        file_name=file_name[:255],
        file_sha256=checksum,
        content=content,
        reference=reference,
        collected_on=collected_on,
    )


def paper_upload_confirm(*, upload: PaperUpload, confirmed_by) -> PaperSheet:
    """Store the rows of an upload its report accepted (the rejected ones are left out, as
    the report said), as one sheet, and let the upload go."""
    petition = upload.petition
    petition_ensure_takes_paper(petition)
    _file_stored_check(petition, upload.file_sha256)
    reference = _sheet_details_check(
        petition, reference=upload.reference, collected_on=upload.collected_on
    )
    with transaction.atomic():
        # Read, checked and stored a batch at a time: a file that fails half-way (it cannot
        # happen to a file that passed its upload, but settings change) stores nothing.
        sheet = _sheet_store(
            petition=petition,
            reference=reference,
            collected_on=upload.collected_on,
            accepted=_accepted(paper_upload_rows(upload=upload)),
            entered_by=confirmed_by,
            file_sha256=upload.file_sha256,
        )
        upload.delete()
    return sheet


def paper_uploads_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the uploads left unconfirmed for longer than :data:`UPLOAD_KEPT_FOR`: they
    hold signers' names, and nobody is coming back for them. How many."""
    now = now or timezone.now()
    deleted, _by_model = PaperUpload.objects.filter(uploaded_at__lt=now - UPLOAD_KEPT_FOR).delete()
    return deleted


def paper_upload_discard(*, upload: PaperUpload) -> None:
    """Forget an upload the organiser does not want stored."""
    upload.delete()
