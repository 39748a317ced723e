"""The CSV of signatories, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from django.utils.translation import gettext as _

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, may shift it into one): "=HYPERLINK(...)" typed as a name would run.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """``value`` as CSV text that a spreadsheet will not run: a leading apostrophe disarms it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_header(*, include_addresses: bool) -> list[str]:
    header = [_("number"), _("name"), _("postcode"), _("ward")]
    if include_addresses:
        header.append(_("address"))
    header.append(_("signed at"))
    return header


class SignatoryCsvWriter:
    """Writes rows one at a time to a text file opened with ``newline=""``."""

    def __init__(self, file: IO[str], *, include_addresses: bool) -> None:
        self._writer = csv.writer(file)
        self._include_addresses = include_addresses
        self._writer.writerow(csv_header(include_addresses=include_addresses))

    def write(self, rows: Iterable) -> None:
        """Write :class:`~undersigned.handin.selectors.Signatory` rows, every cell disarmed."""
        include_addresses = self._include_addresses
        self._writer.writerows(
            [
                csv_safe(row.number),
                csv_safe(row.name),
                csv_safe(row.postcode),
                csv_safe(row.ward),
                *([csv_safe(row.address)] if include_addresses else []),
                row.signed_at.strftime("%Y-%m-%d %H:%M:%S"),
            ]
            for row in rows
        )
