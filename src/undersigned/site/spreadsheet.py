"""CSV that a spreadsheet opens as text: no cell anybody typed can run as a formula.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@``. Where cells start
depends on the reader, not the writer: a file written with commas and opened by a
spreadsheet set to ``;`` (usual where the comma is the decimal mark), tab, ``|``, space or
any other separator starts a new cell inside what was one field, and so does a line break
inside a quoted field once the quotes no longer line up. So a formula character is disarmed
wherever a cell could start: at the beginning of the text, and after any character that is
neither a letter nor a digit nor a formula character itself (every separator a person can
pick, quotes and whitespace included). The hyphen in ``Anne-Marie`` is left alone, and so
is a cell that is nothing but one ``-`` (or ``+``, ``=``, ``@``) unless it starts a row:
read with another separator, it only ever ends a cell that began earlier in the row.

Disarming puts an apostrophe in front of the character (the spreadsheet convention for
"text, not a formula"), and that is the only change: taking out the apostrophe in front of
each formula character gives back exactly what was typed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

FORMULA_STARTS = frozenset("=+-@")
DISARM = "'"


def _separates(char: str) -> bool:
    """Whether a reader could start a new cell after ``char`` (``C++`` is one word)."""
    return not char.isalnum() and char not in FORMULA_STARTS


def csv_safe(value: object, *, starts_row: bool = False) -> str:
    """``value`` as CSV cell text that no spreadsheet runs, whatever separator it reads with.

    ``starts_row``: the cell is the first of its row, where even a lone ``-`` begins a cell
    for every reader (and, read with another separator, the rest of the row follows it).
    """
    text = "" if value is None else str(value)
    if not FORMULA_STARTS.intersection(text):
        return text
    if text in FORMULA_STARTS and not starts_row:
        return text
    return "".join(
        DISARM + char
        if char in FORMULA_STARTS and (index == 0 or _separates(text[index - 1]))
        else char
        for index, char in enumerate(text)
    )


def csv_row_safe(row: Iterable[object]) -> list[str]:
    """Every cell of ``row`` through :func:`csv_safe`."""
    return [csv_safe(cell, starts_row=index == 0) for index, cell in enumerate(row)]


class SafeCsvWriter:
    """A :func:`csv.writer` that passes every row through :func:`csv_row_safe`.

    Every CSV the site offers for download is written with this, so that no export can
    forget a column. ``file`` is a text file opened with ``newline=""``.
    """

    def __init__(self, file: IO[str]) -> None:
        self._writer = csv.writer(file)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow(csv_row_safe(row))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        self._writer.writerows(csv_row_safe(row) for row in rows)
