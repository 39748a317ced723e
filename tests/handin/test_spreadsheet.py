"""The columns of the hand-in CSV (how cells are disarmed: tests/site/test_spreadsheet.py)."""

from __future__ import annotations

from undersigned.handin.spreadsheet import csv_header


def test_the_header_names_the_columns_and_adds_address_only_when_asked():
    assert csv_header(include_addresses=False) == [
        "number",
        "name",
        "postcode",
        "ward",
        "signed at",
    ]
    assert csv_header(include_addresses=True) == [
        "number",
        "name",
        "postcode",
        "ward",
        "address",
        "signed at",
    ]
