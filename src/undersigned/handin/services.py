"""Writes for the hand-in: building a pack (PDF and CSV) in the background, marking a petition
handed in, and deleting packs when signers' personal data is removed."""

from __future__ import annotations

import datetime
import logging
import secrets
import tempfile
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from undersigned.handin import pdf, selectors
from undersigned.handin.models import HandinPack, HandinPackStage, HandinPackState
from undersigned.handin.spreadsheet import SignatoryCsvWriter
from undersigned.petitions import services as petition_services
from undersigned.petitions.models import PetitionPage, PetitionState
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text

logger = logging.getLogger(__name__)

# Signatures read from the database at a time: a few hundred kB of rows, whatever the total.
CHUNK_SIZE = 2000


def _ensure_has_signatories(petition: PetitionPage) -> None:
    if petition.personal_data_purged_at is not None:
        raise ApplicationError(
            _("Signers' personal data has been removed from this petition; there is no list.")
        )
    if petition.opened_at is None:
        raise ApplicationError(_("This petition has not opened yet, so nobody has signed it."))


@transaction.atomic
def handin_pack_create(
    *,
    petition: PetitionPage,
    created_by: AbstractBaseUser | None,
    include_addresses: bool = False,
) -> HandinPack:
    """Queue a new pack for ``petition``; a background task builds it.

    Refuses while another pack of the same petition is still waiting or building.
    """
    petition = PetitionPage.objects.select_for_update().get(pk=petition.pk)
    _ensure_has_signatories(petition)
    busy = HandinPack.objects.filter(
        petition=petition, state__in=[HandinPackState.QUEUED, HandinPackState.BUILDING]
    )
    if busy.exists():
        raise ApplicationError(
            _("A pack for this petition is already being built. Wait for it to finish.")
        )
    pack = HandinPack.objects.create(
        petition=petition, created_by=created_by, include_addresses=include_addresses
    )

    def enqueue() -> None:
        from undersigned.handin import tasks

        tasks.handin_pack_build_task.enqueue(pack_id=pack.pk)

    transaction.on_commit(enqueue)
    return pack


def _progress(pack: HandinPack, **fields) -> None:
    """Record progress at once (not in a transaction) so that the admin page can show it."""
    for name, value in fields.items():
        setattr(pack, name, value)
    HandinPack.objects.filter(pk=pack.pk).update(**fields)


def handin_pack_start(*, pack: HandinPack) -> bool:
    """Claim a waiting (or failed) pack for building and fix the snapshot it will list.

    Returns ``False`` if the pack is already building or built (a task run twice).
    """
    claimed = HandinPack.objects.filter(
        Q(state=HandinPackState.QUEUED) | Q(state=HandinPackState.FAILED), pk=pack.pk
    ).update(state=HandinPackState.BUILDING, started_at=timezone.now(), error="")
    if not claimed:
        return False
    pack.refresh_from_db()
    _ensure_has_signatories(pack.petition)
    last = selectors.signature_snapshot_id(petition=pack.petition)
    total = selectors.signatory_count(petition=pack.petition, last_signature_id=last)
    _progress(
        pack,
        last_signature_id=last,
        signatures_counted=total,
        rows_total=total,
        rows_done=0,
        stage=HandinPackStage.WAITING,
    )
    return True


def _file_name(pack: HandinPack, suffix: str) -> str:
    """A name nobody can guess (the files are private anyway; this is a second lock)."""
    slug = slugify(pack.petition.slug)[:60] or "petition"
    return f"{slug}-{secrets.token_urlsafe(18)}-{suffix}"


def _rows(pack: HandinPack):
    for chunk in selectors.signatory_chunks(
        petition=pack.petition,
        last_signature_id=pack.last_signature_id or 0,
        include_addresses=pack.include_addresses,
        chunk_size=CHUNK_SIZE,
    ):
        yield from chunk


def handin_pack_csv_write(*, pack: HandinPack) -> None:
    """Write the CSV of signatories row by row to a temporary file, then store it."""
    _progress(pack, stage=HandinPackStage.CSV, rows_done=0)
    with tempfile.TemporaryDirectory(prefix="undersigned-handin-") as folder:
        path = Path(folder) / "signatories.csv"
        # UTF-8 with a byte order mark, so that spreadsheets read accented names correctly.
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            writer = SignatoryCsvWriter(file, include_addresses=pack.include_addresses)
            done = 0
            for chunk in selectors.signatory_chunks(
                petition=pack.petition,
                last_signature_id=pack.last_signature_id or 0,
                include_addresses=pack.include_addresses,
                chunk_size=CHUNK_SIZE,
            ):
                writer.write(chunk)
                done += len(chunk)
                _progress(pack, rows_done=min(done, pack.rows_total))
        with path.open("rb") as file:
            pack.csv_file.save(_file_name(pack, "signatories.csv"), File(file), save=False)
    HandinPack.objects.filter(pk=pack.pk).update(csv_file=pack.csv_file.name)


def handin_pack_pdf_write(*, pack: HandinPack) -> None:
    """Lay out the PDF in parts (see :mod:`undersigned.handin.pdf`), join them and store it."""
    petition = pack.petition
    produced_at = timezone.localtime(pack.started_at or timezone.now())
    _progress(pack, stage=HandinPackStage.PDF, rows_done=0)
    with tempfile.TemporaryDirectory(prefix="undersigned-handin-") as folder_name:
        folder = Path(folder_name)
        parts = pdf.signatory_parts_render(
            petition=petition,
            rows=_rows(pack),
            include_addresses=pack.include_addresses,
            produced_at=produced_at,
            counted=pack.rows_total,
            folder=folder,
            on_part=lambda done: _progress(pack, rows_done=min(done, pack.rows_total)),
        )
        _progress(pack, stage=HandinPackStage.ASSEMBLE, rows_done=pack.rows_total)
        figures = selectors.handin_figures(
            petition=petition, last_signature_id=pack.last_signature_id or 0
        )
        cover = folder / "cover.pdf"
        pdf.render_pdf(
            pdf.cover_html(
                petition=petition,
                figures=figures,
                produced_at=produced_at,
                include_addresses=pack.include_addresses,
                map_svg=pdf.map_svg(petition=petition),
            ),
            cover,
        )
        joined = folder / "pack.pdf"
        with joined.open("wb") as target:
            pages = pdf.pdf_assemble(
                parts=[cover, *parts],
                target=target,
                title=_("Hand-in pack: %(title)s") % {"title": petition.title},
                author=petition.organiser_name,
            )
        with joined.open("rb") as file:
            pack.pdf_file.save(_file_name(pack, "hand-in-pack.pdf"), File(file), save=False)
    HandinPack.objects.filter(pk=pack.pk).update(pdf_file=pack.pdf_file.name, pdf_pages=pages)
    pack.pdf_pages = pages


def handin_pack_build(*, pack: HandinPack) -> HandinPack:
    """Build ``pack``: snapshot, CSV, PDF; record progress as it goes, and failure if any.

    Runs for minutes on a large petition, so it is not one transaction: each step commits
    on its own and the admin page shows how far it has got.
    """
    try:
        if not handin_pack_start(pack=pack):
            pack.refresh_from_db()
            return pack
        handin_pack_csv_write(pack=pack)
        handin_pack_pdf_write(pack=pack)
    except Exception as error:
        logger.exception("Hand-in pack %s failed", pack.pk)
        _files_delete(pack)
        message = (
            error.message
            if isinstance(error, ApplicationError)
            else _("Something went wrong: %(error)s") % {"error": f"{type(error).__name__}"}
        )
        _progress(
            pack,
            state=HandinPackState.FAILED,
            finished_at=timezone.now(),
            error=message,
            csv_file="",
            pdf_file="",
        )
        raise
    _progress(
        pack,
        state=HandinPackState.READY,
        stage=HandinPackStage.DONE,
        rows_done=pack.rows_total,
        finished_at=timezone.now(),
    )
    return pack


def _files_delete(pack: HandinPack) -> None:
    for field in (pack.csv_file, pack.pdf_file):
        if field.name:
            field.storage.delete(field.name)


def handin_pack_delete(*, pack: HandinPack) -> None:
    """Delete a pack and its files."""
    _files_delete(pack)
    pack.delete()


def handin_packs_delete(*, petition: PetitionPage) -> int:
    """Delete every pack of ``petition`` and its files (when its signers' data is removed)."""
    packs = list(HandinPack.objects.filter(petition=petition))
    for pack in packs:
        handin_pack_delete(pack=pack)
    return len(packs)


def _as_datetime(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """A date from the form stands for midday of that day in the site's time zone, so that
    it reads as the same date in any time zone a report may use."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time(12, 0)))


@transaction.atomic
def petition_hand_in(
    *,
    petition: PetitionPage,
    handed_in_at: datetime.date | datetime.datetime,
    handed_in_to: str,
    user: AbstractBaseUser | None = None,
) -> PetitionPage:
    """Record that ``petition`` was handed in, when and to whom (at once, on the live page).

    An open petition is closed by being handed in. A petition is handed in once: a second
    attempt is refused, as is a date in the future or before the petition opened.
    """
    petition = PetitionPage.objects.select_for_update().get(pk=petition.pk)
    if petition.state == PetitionState.HANDED_IN:
        raise ApplicationError(
            _("This petition was already handed in on %(date)s, to %(to)s.")
            % {
                "date": timezone.localtime(petition.handed_in_at).strftime("%-d %B %Y")
                if petition.handed_in_at
                else "?",
                "to": petition.handed_in_to or "?",
            }
        )
    if petition.opened_at is None:
        raise ApplicationError(_("A petition that never opened cannot be handed in."))
    recipient = clean_text(handed_in_to)
    if not recipient:
        raise ApplicationError(_("Say who received the petition."))
    if len(recipient) > 200:
        raise ApplicationError(_("Who received it must be 200 characters or fewer."))
    when = _as_datetime(handed_in_at)
    today = timezone.localdate()
    if timezone.localtime(when).date() > today:
        raise ApplicationError(_("The hand-in date cannot be in the future."))
    if timezone.localtime(when).date() < timezone.localtime(petition.opened_at).date():
        raise ApplicationError(_("The hand-in date cannot be before the petition opened."))

    return petition_services.petition_handed_in_record(
        petition=petition, handed_in_at=when, handed_in_to=recipient, user=user
    )
