"""The hand-in PDF: a cover with the figures, then the numbered list of signatories.

The cover is a Django template with print CSS, laid out by WeasyPrint. The list runs to
thousands of pages for a large petition, so it is laid out by Typst (``signatories.typ``,
see :mod:`undersigned.handin.typeset`) in parts of a few dozen pages, side by side in worker
processes, each part written to its own file and let go. Its pages are planned here, row by
row, so that every page is full and the parts join seamlessly; :mod:`undersigned.handin.join`
then joins the cover and the parts and writes "Page N of M" on every page.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.loader import render_to_string
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undersigned.handin.join import pdf_join
from undersigned.handin.render import render_pdf
from undersigned.handin.selectors import HandinFigures, Signatory
from undersigned.handin.typeset import glyph_widths, signatories_render
from undersigned.petitions.models import PetitionPage
from undersigned.petitions.selectors import petition_ward_map_svg

# As handin.css: Liberation Sans, then DejaVu Sans for what it lacks (Arabic, among others),
# then a Chinese, Japanese and Korean font.
FONTS = ["Liberation Sans", "DejaVu Sans", "WenQuanYi Micro Hei"]

# Sizes in points of what signatories.typ lays out, for planning its pages here.
_MM = 72 / 25.4
HEADER_WIDTH = (210 - 2 * 16) * _MM
BODY_MARGIN = 6.0  # as the cover's body: the list is this much narrower than the header
LIST_WIDTH = HEADER_WIDTH - 2 * BODY_MARGIN
PAGE_HEIGHT = (297 - 24 - 20) * _MM
FONT_SIZE = 9.0
LINE = FONT_SIZE * 1.3
ROW_PADDING = 2 * 0.55 * _MM
CELL_PADDING = 2 * 1.5 * _MM  # left and right
HEADER_ROW = 8 * 1.3 + 2 * 1 * _MM
# The list's heading, and the gaps around its text.
HEADING = BODY_MARGIN + 12 * 1.2 + 1 * _MM + 3 * _MM
END_GAP = 2 * _MM  # above the list's closing line
TITLE_SIZE, TITLE_SHARE = 8.0, 0.7  # the running header's title: bold, at most 70% wide
# Rounding in the layout, and an odd glyph a little wider in the fallback font.
SPARE = 2.0
# Rows on a page at most: the density of the list before, and room to read.
ROWS_PER_PAGE = 45
# Characters measured in the list's fonts (Latin, Greek, Cyrillic, Arabic; quotes, dashes and
# the ellipsis); others count as 1 em wide, as Chinese characters are, more than most are.
_MEASURED_RANGES = [(32, 127), (160, 0x250), (0x370, 0x530), (0x600, 0x700), (0x1E00, 0x1F00)]
MEASURED = "".join(chr(code) for first, last in _MEASURED_RANGES for code in range(first, last)) + (
    "\u2018\u2019\u201c\u201d\u2013\u2014\u2026"
)
_BREAK = "\u200b"  # a zero-width space: where a word longer than its column may break


def pages_per_part() -> int:
    """Pages of the list laid out at once: more is a little faster, and needs more memory."""
    return getattr(settings, "UNDERSIGNED_HANDIN_PAGES_PER_PART", 40)


def map_svg(*, petition: PetitionPage) -> str:
    """The petition's ward map, when it can draw one ("" otherwise)."""
    return petition_ward_map_svg(petition=petition) or ""


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def cover_html(
    *,
    petition: PetitionPage,
    figures: HandinFigures,
    produced_at: datetime.datetime,
    include_addresses: bool,
    map_svg: str = "",
) -> str:
    context = {
        "petition": petition,
        # WeasyPrint does not cut a long title short in the running header: cut here.
        "running_title": _running_title(petition),
        "produced_at": produced_at,
        "counted": figures.counted,
        "figures": figures,
        "include_addresses": include_addresses,
        "map_uri": _data_uri(map_svg) if map_svg else "",
    }
    return render_to_string("handin/pdf/cover.html", context)


def cover_render(
    *,
    petition: PetitionPage,
    figures: HandinFigures,
    produced_at: datetime.datetime,
    include_addresses: bool,
    path: Path,
) -> int:
    """Lay out the cover (WeasyPrint) to ``path``; return its number of pages."""
    html = cover_html(
        petition=petition,
        figures=figures,
        produced_at=produced_at,
        include_addresses=include_addresses,
        map_svg=map_svg(petition=petition),
    )
    return render_pdf(html, path)


class _Advances(dict):
    """Advance widths in ems, by character; 1 em for one not measured."""

    def __missing__(self, char: str) -> float:
        return 1.0


@functools.cache
def _advances(bold: bool) -> _Advances:
    widths = glyph_widths(fonts=FONTS, chars=MEASURED)
    return _Advances({char: pair[bold] for char, pair in widths.items()})


def text_width(text: str, *, size: float = FONT_SIZE, bold: bool = False) -> float:
    """How wide ``text`` is set in the list's fonts at ``size``, in points (never less)."""
    return sum(map(_advances(bold).__getitem__, text)) * size


def _breakable(word: str, width: float) -> str:
    """``word``, with a break where it would overflow a column ``width`` points wide (CSS's
    overflow-wrap: anywhere), if it is that long."""
    if text_width(word) <= width:
        return word
    pieces, piece = [], ""
    for char in word:
        if piece and text_width(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return _BREAK.join([*pieces, piece])


def lines_of(text: str, width: float) -> int:
    """Lines ``text`` takes in a column ``width`` points wide, filled a word at a time as
    Typst does (which may also break after a hyphen, so it takes no more than this)."""
    lines, used = 1, 0.0
    space = text_width(" ")
    for word in text.split(" "):
        for index, piece in enumerate(word.split(_BREAK)):
            size = text_width(piece)
            gap = space if used and index == 0 else 0.0
            if used and used + gap + size > width:
                lines, used = lines + 1, size
            else:
                used += gap + size
    return lines


@functools.lru_cache(maxsize=4096)  # ward names, addresses in one street...
def _wrapped(text: str, width: float) -> tuple[str, int]:
    """``text`` free to break inside a word too long for the column, and its lines."""
    text = " ".join(_breakable(word, width) for word in text.split(" "))
    return text, lines_of(text, width)


def _fit(text: str, width: float, *, size: float, bold: bool) -> str:
    """``text`` cut short with an ellipsis to fit in ``width`` points on one line."""
    if text_width(text, size=size, bold=bold) <= width:
        return text
    while text and text_width(text + "…", size=size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _running_title(petition: PetitionPage) -> str:
    return _fit(petition.title, HEADER_WIDTH * TITLE_SHARE, size=TITLE_SIZE, bold=True)


@dataclass(frozen=True)
class Column:
    heading: str
    width: float | None  # millimetres; None: what the others leave
    align: str = "left"
    wraps: bool = True  # False: kept to one line (short enough to fit, or nearly)
    cut: bool = False  # kept to one line, cut short if need be


def list_columns(*, include_addresses: bool) -> list[Column]:
    if include_addresses:
        return [
            Column(_("No."), 13, align="right", wraps=False),
            Column(_("Name"), 38),
            Column(_("Address"), None),
            Column(_("Postcode"), 19, wraps=False),
            Column(_("Ward"), 28),
            Column(_("Paper sheet"), 22),
            Column(_("Signed"), 22, wraps=False),
        ]
    return [
        Column(_("No."), 13, align="right", wraps=False),
        Column(_("Name"), None),
        Column(_("Postcode"), 19, wraps=False),
        Column(_("Ward"), 40),
        # One line a row without addresses: a long sheet reference is cut short (the CSV
        # has it whole).
        Column(_("Paper sheet"), 22, cut=True),
        Column(_("Signed"), 22, wraps=False),
    ]


def _one_line(text: str) -> str:
    """``text`` with a line break or tab typed into it as a space: a row's height is
    planned from its words, and Typst would break the line there."""
    return text if text.isprintable() else " ".join(text.split())


@functools.lru_cache(maxsize=4096)
def _day(day: datetime.date | None) -> str:
    return dateformat.format(day, "j M Y") if day else ""


class ListPlan:
    """Turns signatories into the cells of the list's rows, and rows into full pages."""

    def __init__(self, *, include_addresses: bool) -> None:
        self.include_addresses = include_addresses
        self.columns = list_columns(include_addresses=include_addresses)
        rest = LIST_WIDTH / _MM - sum(column.width or 0 for column in self.columns)
        self.widths = [column.width or rest for column in self.columns]  # millimetres
        self.text_widths = [width * _MM - CELL_PADDING for width in self.widths]
        self.wrapping = [
            index for index, column in enumerate(self.columns) if column.wraps and not column.cut
        ]
        self.widest = max(1.0, *_advances(False).values()) * FONT_SIZE

    def cells(self, row: Signatory) -> list[str]:
        signed = row.collected_on if row.on_paper else row.signed_at.date()
        typed = [row.name, row.address] if self.include_addresses else [row.name]
        typed += [row.postcode, row.ward, row.paper_sheet]
        return [row.number_text, *map(_one_line, typed), _day(signed)]

    def row(self, row: Signatory) -> tuple[list[str], float]:
        """The cells of ``row`` and its height in points."""
        cells = self.cells(row)
        lines = 1
        for index in self.wrapping:
            text, width = cells[index], self.text_widths[index]
            # Most cells are too short to wrap whatever their letters: no need to measure.
            if len(text) * self.widest > width and text_width(text) > width:
                cells[index], cell_lines = _wrapped(text, width)
                lines = max(lines, cell_lines)
        return cells, ROW_PADDING + LINE * lines

    def pages(self, rows: Iterable[Signatory], *, first_page: float, end: float) -> Iterator[list]:
        """Rows, as cells, a page at a time; ``first_page``: room for rows on the first;
        ``end``: room the list's closing line takes under the last row."""
        page: list[list[str]] = []
        room = first_page
        for row in rows:
            cells, height = self.row(row)
            if page and (len(page) == ROWS_PER_PAGE or height > room):
                yield page
                page, room = [], PAGE_HEIGHT - HEADER_ROW - SPARE
            page.append(cells)
            room -= height
        if len(page) > 1 and room < end:
            # The closing line goes under a row of the list, not alone on a page of its own.
            yield page[:-1]
            page = page[-1:]
        if page:
            yield page


def _list_words(
    *, petition: PetitionPage, produced_at: datetime.datetime, counted: int
) -> dict[str, str]:
    title = _running_title(petition)
    footer = _("Prepared for %(organiser)s on %(date)s. Figures as at %(time)s.") % {
        "organiser": petition.organiser_name,
        "date": dateformat.format(produced_at, "j F Y"),
        "time": dateformat.time_format(produced_at, "H:i"),
    }
    introduction = (
        _("All %(count)s valid signatures, numbered in the order they were made.")
        % {"count": intcomma(counted)}
        + " "
        + _(
            "A signature collected on paper gives the reference of its sheet, and the day it "
            "was collected under “Signed”."
        )
    )
    end = ngettext(
        "End of the list: %(count)s signatory.", "End of the list: %(count)s signatories.", counted
    ) % {"count": intcomma(counted)}
    return {
        "title": title,
        "kind": _("Petition hand-in pack"),
        "footer": footer,
        "heading": _("Signatories"),
        "introduction": introduction,
        "end": end,
    }


def list_parts(
    *,
    petition: PetitionPage,
    rows: Iterable[Signatory],
    include_addresses: bool,
    produced_at: datetime.datetime,
    counted: int,
) -> Iterator[tuple[str, int]]:
    """The JSON of each part of the list (what signatories.typ reads), and its number of rows.

    The first part opens with the list's heading, the last ends with its closing line.
    """
    plan = ListPlan(include_addresses=include_addresses)
    words = _list_words(petition=petition, produced_at=produced_at, counted=counted)
    introduction_lines = lines_of(words["introduction"], LIST_WIDTH)
    first_page = PAGE_HEIGHT - HEADER_ROW - SPARE - HEADING - LINE * introduction_lines
    columns = [
        {
            "heading": column.heading,
            "width": width,
            "align": column.align,
            "wraps": column.wraps,
            "cut": column.cut,
        }
        for column, width in zip(plan.columns, plan.widths, strict=True)
    ]
    end = END_GAP + LINE * lines_of(words["end"], LIST_WIDTH)
    pages = plan.pages(rows, first_page=first_page, end=end)
    for index, (part, last) in enumerate(_mark_last(batched(pages, pages_per_part()))):
        document = {
            "fonts": FONTS,
            "title": words["title"],
            "kind": words["kind"],
            "footer": words["footer"],
            "columns": columns,
            "heading": words["heading"] if index == 0 else None,
            "introduction": words["introduction"],
            "end": words["end"] if last else None,
            "pages": part,
        }
        yield json.dumps(document, ensure_ascii=False), sum(len(page) for page in part)


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

    By default two, or one on a single core: a viral petition's pack in half the time (a
    minute of one core's work for 200,000 signatories), and Typst's memory kept out of the
    long-running task worker (it goes back to the system when a layout process ends).
    ``UNDERSIGNED_HANDIN_PDF_PROCESSES`` says otherwise; 0 lays out in this process (tests,
    profiling).
    """
    default = min(2, os.cpu_count() or 1)
    return max(0, getattr(settings, "UNDERSIGNED_HANDIN_PDF_PROCESSES", default))


def signatory_parts_render(
    *,
    petition: PetitionPage,
    rows: Iterable[Signatory],
    include_addresses: bool,
    produced_at: datetime.datetime,
    counted: int,
    folder: Path,
    on_part: Callable[[int], None] | None = None,
) -> list[tuple[Path, int]]:
    """Lay out the list in parts of :func:`pages_per_part` pages, one PDF file each; return
    each file with its number of pages.

    Parts do not depend on each other (page numbers are added when they are joined), so
    they are handed to :func:`pdf_processes` worker processes as they are produced.
    ``on_part(rows_done)`` is called as parts finish, in order.
    """
    parts = (
        (part, folder / f"signatories-{index:05d}.pdf", part_rows)
        for index, (part, part_rows) in enumerate(
            list_parts(
                petition=petition,
                rows=rows,
                include_addresses=include_addresses,
                produced_at=produced_at,
                counted=counted,
            )
        )
    )
    done: list[tuple[Path, int]] = []
    rows_done = 0

    def finished(path: Path, pages: int, part_rows: int) -> None:
        nonlocal rows_done
        done.append((path, pages))
        rows_done += part_rows
        if on_part is not None:
            on_part(rows_done)

    processes = pdf_processes()
    if processes == 0:
        for part, path, part_rows in parts:
            finished(path, signatories_render(part=part, path=path), part_rows)
        return done
    # "spawn": the workers start clean, without this process's database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        pending: deque[tuple[Future, Path, int]] = deque()
        for part, path, part_rows in parts:
            future = pool.submit(signatories_render, part=part, path=path)
            pending.append((future, path, part_rows))
            # A couple of parts waiting per worker keeps them busy; more would only use memory.
            while len(pending) > processes * 2 or (pending and pending[0][0].done()):
                future, done_path, done_rows = pending.popleft()
                finished(done_path, future.result(), done_rows)
        for future, done_path, done_rows in pending:
            finished(done_path, future.result(), done_rows)
    return done


def pdf_assemble(
    *, parts: list[tuple[Path, int]], target: BinaryIO, title: str, author: str
) -> int:
    """Join ``parts`` (files and their numbers of pages) into one PDF written to ``target``,
    number its pages; return the count."""
    label = _("Page %(page)s of %(pages)s")
    return pdf_join(
        parts=parts,
        target=target,
        page_label=lambda page, pages: label % {"page": f"{page:,}", "pages": f"{pages:,}"},
        metadata={
            "/Title": title,
            "/Author": author,
            "/Subject": _("Petition hand-in pack"),
            "/Creator": "Undersigned",
        },
    )
