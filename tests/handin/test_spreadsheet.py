"""CSV cells are disarmed so that a spreadsheet never runs a signer's "name" as a formula."""

from __future__ import annotations

import pytest

from undersigned.handin.spreadsheet import csv_header, csv_safe


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","Click")',
        "+44 20 7946 0000",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_starting_like_a_formula_gets_a_leading_apostrophe(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Grace Hopper", "O'Brien", "EB1 1AB", "", "a=b", "x-y"])
def test_ordinary_text_is_left_as_it_is(value):
    assert csv_safe(value) == value


def test_numbers_and_none_become_text():
    assert csv_safe(42) == "42"
    assert csv_safe(None) == ""


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
