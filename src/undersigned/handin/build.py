"""Building a hand-in pack (CSV, then PDF) in the background task, step by step.

Runs for minutes on a large petition, so each step records its progress at once for the
admin page to show. ``handin.services`` queues the task (``handin.tasks``) that calls this.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from pathlib import Path

from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from undersigned.handin import pdf, selectors
from undersigned.handin.models import HandinPack, HandinPackStage, HandinPackState
from undersigned.handin.spreadsheet import SignatoryCsvWriter
from undersigned.petitions.models import PetitionPage
from undersigned.site.errors import ApplicationError

logger = logging.getLogger(__name__)

# Signatures read from the database at a time: a few hundred kB of rows, whatever the total.
CHUNK_SIZE = 2000


def ensure_has_signatories(petition: PetitionPage) -> None:
    """Refuse (``ApplicationError``) a pack of a petition that has no list of signers."""
    if petition.personal_data_purged_at is not None:
        raise ApplicationError(
            _("Signers' personal data has been removed from this petition; there is no list.")
        )
    if petition.opened_at is None:
        raise ApplicationError(_("This petition has not opened yet, so nobody has signed it."))


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
    ensure_has_signatories(pack.petition)
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
        cover_pages = pdf.cover_render(
            petition=petition,
            figures=figures,
            produced_at=produced_at,
            include_addresses=pack.include_addresses,
            path=cover,
        )
        joined = folder / "pack.pdf"
        with joined.open("wb") as target:
            pages = pdf.pdf_assemble(
                parts=[(cover, cover_pages), *parts],
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
        pack_files_delete(pack)
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


def pack_files_delete(pack: HandinPack) -> None:
    """Delete the pack's files from storage (the row stays)."""
    for field in (pack.csv_file, pack.pdf_file):
        if field.name:
            field.storage.delete(field.name)
