"""The columns of the hand-in CSV (how cells are disarmed: tests/site/test_spreadsheet.py)."""

from __future__ import annotations

from undersigned.handin.spreadsheet import csv_header


def test_the_header_names_the_columns_and_adds_address_only_when_asked():
    # Source, sheet and date collected let the council check paper signatures (test_paper.py).
    assert csv_header(include_addresses=False) == [
        "number",
        "name",
        "postcode",
        "ward",
        "signed at",
        "source",
        "paper sheet",
        "collected on",
    ]
    assert csv_header(include_addresses=True) == [
        "number",
        "name",
        "postcode",
        "ward",
        "address",
        "signed at",
        "source",
        "paper sheet",
        "collected on",
    ]
