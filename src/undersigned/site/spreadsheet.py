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
import re
from collections.abc import Iterable
from typing import IO

FORMULA_STARTS = frozenset("=+-@")
DISARM = "'"
# A formula character not straight after a letter, a digit or another formula character
# (``C++`` is one word): where some reader could start a cell.
_CELL_START_FORMULA = re.compile(r"(?<![^\W_])(?<![=+\-@])[=+\-@]")
_find, _disarm = _CELL_START_FORMULA.search, _CELL_START_FORMULA.sub


def csv_safe(value: object, *, starts_row: bool = False) -> str:
    """``value`` as CSV cell text that no spreadsheet runs, whatever separator it reads with.

    ``starts_row``: the cell is the first of its row, where even a lone ``-`` begins a cell
    for every reader (and, read with another separator, the rest of the row follows it).
    """
    text = "" if value is None else str(value)
    if text in FORMULA_STARTS:
        return DISARM + text if starts_row else text
    # Most cells hold no formula character at all: the plain ``in`` tests make them cheap.
    if ("-" in text or "=" in text or "+" in text or "@" in text) and _find(text):
        return _disarm(DISARM + r"\g<0>", text)
    return text


def csv_row_safe(row: Iterable[object]) -> list[str]:
    """Every cell of ``row`` through :func:`csv_safe`."""
    cells = [csv_safe(cell) for cell in row]
    if cells and cells[0] in FORMULA_STARTS:
        cells[0] = DISARM + cells[0]
    return cells


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
