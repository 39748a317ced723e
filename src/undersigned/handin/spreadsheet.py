"""The CSV of signatories, safe to open in any spreadsheet (see site.spreadsheet).

Each row says whether the signature was made online or on paper, and for paper which sheet
(the organiser's reference) and when it was collected, so the council can check it against
the original sheet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from django.utils.translation import gettext as _

from undersigned.site.spreadsheet import SafeCsvWriter


def csv_header(*, include_addresses: bool) -> list[str]:
    header = [_("number"), _("name"), _("postcode"), _("ward")]
    if include_addresses:
        header.append(_("address"))
    header += [_("signed at"), _("source"), _("paper sheet"), _("collected on")]
    return header


class SignatoryCsvWriter:
    """Writes rows one at a time to a text file opened with ``newline=""``."""

    def __init__(self, file: IO[str], *, include_addresses: bool) -> None:
        self._writer = SafeCsvWriter(file)
        self._include_addresses = include_addresses
        self._writer.writerow(csv_header(include_addresses=include_addresses))

    def write(self, rows: Iterable) -> None:
        """Write :class:`~undersigned.handin.selectors.Signatory` rows, every cell disarmed."""
        include_addresses = self._include_addresses
        online, paper = _("online"), _("paper")
        self._writer.writerows(
            [
                row.number,
                row.name,
                row.postcode,
                row.ward,
                *([row.address] if include_addresses else []),
                row.signed_at.strftime("%Y-%m-%d %H:%M:%S"),
                paper if row.on_paper else online,
                row.paper_sheet,
                row.collected_on.isoformat() if row.collected_on else "",
            ]
            for row in rows
        )
