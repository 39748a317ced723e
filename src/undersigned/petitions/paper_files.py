"""Reading a file of paper signatures typed up by volunteers: CSV or XLSX, columns by header.

What comes out is rows as typed (:class:`PaperRow`), numbered as the spreadsheet numbers its
lines, one at a time as the file is read (so that 10,000 of them are never all held at once),
for the signing rules to check; or :class:`PaperFileError` saying, for the whole file, why it
cannot be read. A file is refused whole, never half read:

- CSV must be UTF-8 (with or without the byte order mark Excel writes for "CSV UTF-8"), or
  UTF-16 with its byte order mark (Excel's "Unicode text"). Any other encoding is refused
  with a message saying how to save the file, rather than guessed at: a guess (Windows-1252
  reads any bytes at all) would store misspelt names without anyone noticing;
- the columns are found by their header (case, spaces and punctuation do not matter, and a
  few usual names are understood); a missing one is named;
- more rows than ``UNDERSIGNED_PAPER_MAX_ROWS`` are refused before any is checked;
- a cell holding a spreadsheet formula (``=HYPERLINK(...)``) is not a name nor an address:
  its row is rejected with that reason, and nothing of it is stored.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Header names understood for each column, folded (see _fold).
COLUMN_NAMES = {
    "name": {"name", "fullname", "names", "signatory", "signatoryname", "yourname"},
    "address": {"address", "streetaddress", "homeaddress", "addressline", "fulladdress"},
    "postcode": {"postcode", "postalcode", "pcode"},
}
COLUMN_LABELS = {
    "name": gettext_lazy("Name"),
    "address": gettext_lazy("Address"),
    "postcode": gettext_lazy("Postcode"),
}

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


class PaperFileError(Exception):
    """The file as a whole cannot be taken; ``message`` says why, for the organiser."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PaperRow:
    """One signature as typed from paper, in the grid or in a file: ``number`` is its row
    there (the spreadsheet's line number for a file)."""

    number: int
    name: str
    address: str = ""
    postcode: str = ""
    formula_in: str = ""  # the column whose cell holds a spreadsheet formula, if any


def _fold(header: object) -> str:
    return "".join(ch for ch in str(header or "").casefold() if ch.isalnum())


def _columns(header: list[object]) -> dict[str, int]:
    """Which position each column has, from the header row; refuses missing or repeated ones."""
    found: dict[str, int] = {}
    for position, cell in enumerate(header):
        folded = _fold(cell)
        for column, names in COLUMN_NAMES.items():
            if folded in names:
                if column in found:
                    raise PaperFileError(
                        _("Two columns are headed “%(column)s”. Keep one and upload again.")
                        % {"column": COLUMN_LABELS[column]}
                    )
                found[column] = position
    missing = [str(COLUMN_LABELS[column]) for column in COLUMN_NAMES if column not in found]
    if missing:
        raise PaperFileError(
            _(
                "The file has no column headed %(missing)s. Its first row must name the "
                "columns Name, Address and Postcode."
            )
            % {"missing": ", ".join(f"“{name}”" for name in missing)}
        )
    return found


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(cells: Iterator[tuple[int, list[object], set[int]]]) -> Iterator[PaperRow]:
    """Rows by column from ``(line number, cells, positions holding formulas)``: the header
    is the first non-empty row; empty rows are passed over; the row limit is enforced."""
    columns: dict[str, int] | None = None
    limit = settings.UNDERSIGNED_PAPER_MAX_ROWS
    count = 0
    for number, values, formulas in cells:
        if not any(_text(value).strip() for value in values):
            continue
        if columns is None:
            columns = _columns(values)
            continue
        count += 1
        if count > limit:
            raise PaperFileError(
                _(
                    "The file has more than %(limit)s rows of signatures, the most taken at "
                    "once. Split it into smaller files and upload each. Nothing was stored."
                )
                % {"limit": f"{limit:,}"}
            )
        row = {
            column: _text(values[position]) if position < len(values) else ""
            for column, position in columns.items()
        }
        formula_in = next(
            (column for column, position in columns.items() if position in formulas), ""
        )
        yield PaperRow(number=number, formula_in=formula_in, **row)
    if columns is None:
        raise PaperFileError(_("The file is empty."))


def _is_formula(text: str) -> bool:
    return text.startswith("=") and len(text) > 1


def _encoding(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in content:
        raise PaperFileError(
            _("The file could not be read as CSV: it holds binary data, not text.")
        )
    return "utf-8-sig"


def _not_utf8(content: bytes, encoding: str) -> PaperFileError:
    """The refusal of a file that is not text in ``encoding``, naming its first bad line."""
    try:
        content.decode(encoding)
        line = 1
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
    return PaperFileError(
        _(
            "The file is not saved as UTF-8 text (line %(line)s has a character that "
            "cannot be read). In Excel choose “Save as” → “CSV UTF-8”; in LibreOffice "
            "tick “Edit filter settings” and pick “Unicode (UTF-8)”. Nothing was stored."
        )
        % {"line": line}
    )


def _csv_cells(content: bytes) -> Iterator[tuple[int, list[object], set[int]]]:
    # Decoded as it is read, a few kB at a time: the text of the file is never held whole.
    encoding = _encoding(content)
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    try:
        first_line = text.readline()
        text.seek(0)
        try:
            delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        reader = csv.reader(text, delimiter=delimiter)
        for values in reader:
            formulas = {i for i, value in enumerate(values) if _is_formula(value.strip())}
            yield reader.line_num, values, formulas
    except UnicodeDecodeError:
        raise _not_utf8(content, encoding) from None
    except csv.Error as error:
        raise PaperFileError(
            _("The file could not be read as CSV near line %(line)s (%(problem)s).")
            % {"line": reader.line_num, "problem": error}
        ) from None


def _xlsx_cells(content: bytes) -> Iterator[tuple[int, list[object], set[int]]]:
    # openpyxl takes a tenth of a second to import: only organisers uploading need it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise PaperFileError(
            _("The file could not be read as an Excel workbook (.xlsx). Is it damaged?")
        ) from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            values, formulas = [], set()
            for position, cell in enumerate(row):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", "") == "f" or (
                    isinstance(value, str) and _is_formula(value.strip())
                ):
                    formulas.add(position)
                values.append(value)
            yield number, values, formulas
    finally:
        book.close()


def paper_file_rows(*, content: bytes) -> Iterator[PaperRow]:
    """The rows of signatures in the file, one at a time as they are read; raises
    :class:`PaperFileError` (before the first row, or on reaching the row where the file turns
    out to be unreadable or over the row limit) for the whole file."""
    if len(content) > settings.UNDERSIGNED_PAPER_MAX_UPLOAD_BYTES:
        raise PaperFileError(paper_file_too_large_message())
    if not content.strip():
        raise PaperFileError(_("The file is empty."))
    if content.startswith(OLD_EXCEL_MAGIC):
        raise PaperFileError(
            _("Old Excel files (.xls) cannot be read. Save it as .xlsx or as CSV UTF-8.")
        )
    cells = _xlsx_cells(content) if content.startswith(XLSX_MAGIC) else _csv_cells(content)
    return _rows(cells)


def paper_file_check(*, content: bytes) -> int:
    """Read the whole file without keeping its rows: how many it has, or
    :class:`PaperFileError`."""
    return sum(1 for _row in paper_file_rows(content=content))


def paper_file_too_large_message() -> str:
    limit = settings.UNDERSIGNED_PAPER_MAX_UPLOAD_BYTES
    return _(
        "The file is larger than %(size)s MB, the most taken at once. Split it into smaller "
        "files and upload each. Nothing was stored."
    ) % {"size": f"{limit / (1024 * 1024):g}"}
