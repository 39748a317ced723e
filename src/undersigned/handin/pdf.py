"""The hand-in PDF: a cover with the figures, then the numbered list of signatories.

Both are Django templates with print CSS, laid out by WeasyPrint. WeasyPrint keeps the
whole layout of a document in memory (a few MB a page), and a list of 200,000 names runs
to thousands of pages, so the list is laid out in parts of a few dozen pages, each written
to its own file and let go. pypdf then joins the cover and the parts, and writes
"Page N of M" on every page, which is only known once every part has been laid out.
"""

from __future__ import annotations

import base64
import datetime
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

from undersigned.handin.render import render_pdf
from undersigned.handin.selectors import HandinFigures, Signatory
from undersigned.petitions.models import PetitionPage
from undersigned.petitions.selectors import petition_ward_map_svg

# Rows on each page of the list without addresses. Fixed, so that pages are full and the
# parts join seamlessly; chosen with room to spare for the odd name that wraps.
ROWS_PER_PAGE = 45
# About as many rows (of one to three lines) as fit on a page with addresses.
ROWS_PER_PAGE_WITH_ADDRESSES = 25
# The first page of the list also carries its heading.
HEADING_ROWS = 4


def pages_per_part() -> int:
    """Pages laid out by WeasyPrint at once: more is a little faster, and needs more memory."""
    return getattr(settings, "UNDERSIGNED_HANDIN_PAGES_PER_PART", 40)


def map_svg(*, petition: PetitionPage) -> str:
    """The petition's ward map, when it can draw one ("" otherwise)."""
    return petition_ward_map_svg(petition=petition) or ""


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _common_context(
    petition: PetitionPage, *, produced_at: datetime.datetime, counted: int
) -> dict:
    return {"petition": petition, "produced_at": produced_at, "counted": counted}


def cover_html(
    *,
    petition: PetitionPage,
    figures: HandinFigures,
    produced_at: datetime.datetime,
    include_addresses: bool,
    map_svg: str = "",
) -> str:
    context = _common_context(petition, produced_at=produced_at, counted=figures.counted)
    context.update(
        figures=figures,
        include_addresses=include_addresses,
        map_uri=_data_uri(map_svg) if map_svg else "",
    )
    return render_to_string("handin/pdf/cover.html", context)


def signatories_html(
    *,
    petition: PetitionPage,
    tables: list[list[Signatory]],
    include_addresses: bool,
    produced_at: datetime.datetime,
    counted: int,
    first: bool,
    last: bool,
) -> str:
    context = _common_context(petition, produced_at=produced_at, counted=counted)
    context.update(tables=tables, include_addresses=include_addresses, first=first, last=last)
    return render_to_string("handin/pdf/signatories.html", context)


def _tables(rows: Iterable[Signatory], *, first: int, size: int) -> Iterator[list[Signatory]]:
    table: list[Signatory] = []
    for row in rows:
        table.append(row)
        if len(table) == first:
            yield table
            table, first = [], size
    if table:
        yield table


def parts_of(rows: Iterable[Signatory], *, include_addresses: bool) -> Iterator[list[list]]:
    """Rows grouped into parts (laid out and written one at a time), each a list of tables.

    Without addresses every row is one line, so each page is one table of a fixed number of
    rows and every page is full, across parts too. Addresses make rows of one to three lines,
    so a part is one long table that WeasyPrint breaks into pages where they fill up.
    """
    parts = pages_per_part()
    if include_addresses:
        size = ROWS_PER_PAGE_WITH_ADDRESSES * parts
        yield from ([table] for table in _tables(rows, first=size - HEADING_ROWS, size=size))
    else:
        tables = _tables(rows, first=ROWS_PER_PAGE - HEADING_ROWS, size=ROWS_PER_PAGE)
        yield from batched(tables, parts)


def _mark_last(items: Iterable) -> Iterator[tuple]:
    """Each item with whether it is the last one (looking one ahead)."""
    iterator = iter(items)
    try:
        previous = next(iterator)
    except StopIteration:
        return
    for item in iterator:
        yield previous, False
        previous = item
    yield previous, True


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def pdf_processes() -> int:
    """Worker processes that lay out the parts of the list.

    1 (the default) keeps WeasyPrint's memory out of the long-running task worker: what it
    allocates goes back to the system when the worker process ends. More lay out parts side
    by side on spare cores. 0 lays out in this process (tests, profiling).
    """
    return max(0, getattr(settings, "UNDERSIGNED_HANDIN_PDF_PROCESSES", 1))


# A worker process is replaced after this many parts, so that its memory cannot creep up.
PARTS_PER_WORKER = 20


def _parts(
    *,
    petition: PetitionPage,
    rows: Iterable[Signatory],
    include_addresses: bool,
    produced_at: datetime.datetime,
    counted: int,
    folder: Path,
) -> Iterator[tuple[str, Path, int]]:
    """The HTML of each part of the list, the file it goes to, and its number of rows."""
    for index, (part, last) in enumerate(
        _mark_last(parts_of(rows, include_addresses=include_addresses))
    ):
        html = signatories_html(
            petition=petition,
            tables=part,
            include_addresses=include_addresses,
            produced_at=produced_at,
            counted=counted,
            first=index == 0,
            last=last,
        )
        yield html, folder / f"signatories-{index:05d}.pdf", sum(len(table) for table in part)


def signatory_parts_render(
    *,
    petition: PetitionPage,
    rows: Iterable[Signatory],
    include_addresses: bool,
    produced_at: datetime.datetime,
    counted: int,
    folder: Path,
    on_part: Callable[[int], None] | None = None,
) -> list[Path]:
    """Lay out the list in parts of :func:`pages_per_part` pages, one PDF file each.

    Parts do not depend on each other (page numbers are added when they are joined), so
    they are handed to :func:`pdf_processes` worker processes as they are produced.
    ``on_part(rows_done)`` is called as parts finish, in order.
    """
    parts = _parts(
        petition=petition,
        rows=rows,
        include_addresses=include_addresses,
        produced_at=produced_at,
        counted=counted,
        folder=folder,
    )
    paths: list[Path] = []
    rows_done = 0

    def finished(path: Path, part_rows: int) -> None:
        nonlocal rows_done
        paths.append(path)
        rows_done += part_rows
        if on_part is not None:
            on_part(rows_done)

    processes = pdf_processes()
    if processes == 0:
        for html, path, part_rows in parts:
            render_pdf(html, path)
            finished(path, part_rows)
        return paths
    # "spawn": the workers start clean, without this process's database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, max_tasks_per_child=PARTS_PER_WORKER
    ) as pool:
        pending: deque[tuple[Future, Path, int]] = deque()
        for html, path, part_rows in parts:
            pending.append((pool.submit(render_pdf, html, path), path, part_rows))
            # A couple of parts waiting per worker keeps them busy; more would only use memory.
            while len(pending) > processes * 2 or (pending and pending[0][0].done()):
                future, done_path, done_rows = pending.popleft()
                future.result()
                finished(done_path, done_rows)
        for future, done_path, done_rows in pending:
            future.result()
            finished(done_path, done_rows)
    return paths


# Widths of the Helvetica glyphs used in page numbers, in thousandths of the font size
# (Adobe's metrics for the standard font every PDF reader has); others count as digits.
_HELVETICA_WIDTHS = {" ": 278, "f": 278, "P": 667, "a": 556, "e": 556, "g": 556, "o": 556}
FOOTER_FONT_SIZE = 7.5
FOOTER_RIGHT = 595.28 - 16 * 72 / 25.4  # A4 width less the 16 mm right margin, in points
FOOTER_BASELINE = 36.0  # points above the bottom edge, level with the footer's other text


def _pdf_text(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("cp1252", errors="replace")


def _page_number_stream(text: str) -> bytes:
    width = sum(_HELVETICA_WIDTHS.get(char, 556) for char in text) * FOOTER_FONT_SIZE / 1000
    x = FOOTER_RIGHT - width
    return b"q 0.33 g BT /UndersignedPageNumber %.2f Tf %.2f %.2f Td (%s) Tj ET Q\n" % (
        FOOTER_FONT_SIZE,
        x,
        FOOTER_BASELINE,
        _pdf_text(text),
    )


def _number_pages(writer: PdfWriter) -> None:
    """Write "Page N of M" at the foot of every page, on top of what is there.

    (``_add_object`` is pypdf's way to add an indirect object, which a page's contents
    must be; pypdf is pinned in ``pyproject.toml``.)
    """
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    save, restore = DecodedStreamObject(), DecodedStreamObject()
    save.set_data(b"q\n")
    restore.set_data(b"\nQ\n")
    save_ref, restore_ref = writer._add_object(save), writer._add_object(restore)
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        stamp = DecodedStreamObject()
        label = _("Page %(page)s of %(pages)s") % {"page": f"{number:,}", "pages": f"{total:,}"}
        stamp.set_data(_page_number_stream(label))
        contents = page.raw_get("/Contents")
        existing = contents.get_object()
        existing = list(existing) if isinstance(existing, ArrayObject) else [contents]
        # The page's own drawing is wrapped in q/Q so that whatever state it leaves behind
        # (WeasyPrint flips the y axis) does not move the page number.
        page[NameObject("/Contents")] = ArrayObject(
            [save_ref, *existing, restore_ref, writer._add_object(stamp)]
        )
        if "/Resources" not in page:
            page[NameObject("/Resources")] = DictionaryObject()
        resources = page["/Resources"].get_object()
        fonts = resources.get("/Font")
        if fonts is None:
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts
        fonts.get_object()[NameObject("/UndersignedPageNumber")] = font


def pdf_assemble(*, parts: list[Path], target: BinaryIO, title: str, author: str) -> int:
    """Join ``parts`` into one PDF written to ``target``, number its pages; return the count."""
    writer = PdfWriter()
    for path in parts:
        for page in PdfReader(path).pages:
            writer.add_page(page)
    _number_pages(writer)
    writer.add_metadata(
        {
            "/Title": title,
            "/Author": author,
            "/Subject": _("Petition hand-in pack"),
            "/Creator": "Undersigned",
        }
    )
    writer.write(target)
    return len(writer.pages)
