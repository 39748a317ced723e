"""CSV cells are disarmed so that no spreadsheet runs what a signer typed, whichever separator
it reads the file with."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from undersigned.site.spreadsheet import FORMULA_STARTS, SafeCsvWriter, csv_row_safe, csv_safe

# The separators spreadsheets offer when opening a CSV (LibreOffice and Excel both offer
# comma, semicolon, tab and space, and any other character; | is a common "other").
SEPARATORS = [",", ";", "\t", "|", " ", ":", "/"]


def runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet would take ``cell`` as a formula: a formula character first
    (after any spaces, tabs or quotes, which some readers drop) with something after it."""
    stripped = cell.lstrip().lstrip('"').lstrip()
    return stripped[:1] in FORMULA_STARTS and bool(stripped[1:].strip())


def written(rows: list[list[str]], writer_class=SafeCsvWriter) -> str:
    file = io.StringIO(newline="")
    writer = writer_class(file)
    writer.writerows(rows)
    return file.getvalue()


def cells_read_with(text: str, separator: str) -> list[str]:
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        for cell in row
    ]


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_formula_after_a_semicolon_does_not_run_when_the_file_is_read_with_semicolons(
    separator,
):
    unguarded = written([["1", "x;=1+1", "CR0 1NY"]], writer_class=csv.writer)
    assert any(runs_as_formula(cell) for cell in cells_read_with(unguarded, ";"))

    guarded = written([["1", "x;=1+1", "CR0 1NY"]])
    assert not any(runs_as_formula(cell) for cell in cells_read_with(guarded, separator))


@pytest.mark.parametrize(
    ("typed", "written_as"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("x;=1+1", "x;'=1+1"),
        ("x,=1+1", "x,'=1+1"),
        ("x\t@SUM(A1)", "x\t'@SUM(A1)"),
        ("x|-1+1", "x|'-1+1"),
        ("x =1+1", "x '=1+1"),
        ("  =1+1", "  '=1+1"),
        ("\t=1+1", "\t'=1+1"),
        ("\r=1+1", "\r'=1+1"),
        ("a\n=1+1", "a\n'=1+1"),
        ('say "=1+1"', 'say "\'=1+1"'),
        ("- cmd|' /C calc'!A0", "'- cmd|' /C calc'!A0"),
        ("=-1", "'=-1"),
    ],
)
def test_a_formula_character_where_a_cell_could_start_gets_an_apostrophe(typed, written_as):
    assert csv_safe(typed) == written_as


@pytest.mark.parametrize(
    "value",
    [
        "Grace Hopper",
        "Anne-Marie",
        "Jean-Luc Picard",
        "O'Brien",
        "-",
        "+",
        "EB1 1AB",
        "12-14 High Street",
        "2026-01-31 12:00:00",
        "",
        "a=b",
        "x-y",
        "C++",
        "Tab\there",
    ],
)
def test_ordinary_text_and_a_lone_dash_are_left_as_they_are(value):
    assert csv_safe(value) == value
    assert cells_read_with(written([["1", value]]), ",") == ["1", value]


def test_a_lone_dash_is_disarmed_only_where_it_starts_a_row():
    assert csv_row_safe(["-", "-", " - "]) == ["'-", "-", " '- "]


def test_numbers_and_none_become_text():
    assert csv_safe(42) == "42"
    assert csv_safe(None) == ""


ALPHABET = st.sampled_from(
    list("=+-@") + list(",;\t| :/") + ["\r", "\n", "\r\n", '"', "'"] + list("aZ1 é")
)
CELL = st.lists(ALPHABET, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=3))
def test_no_cell_runs_as_a_formula_whichever_separator_the_file_is_read_with(rows):
    text = written(rows)
    for separator in SEPARATORS:
        cells = cells_read_with(text, separator)
        assert not [cell for cell in cells if runs_as_formula(cell)], separator


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=3))
def test_read_with_commas_each_cell_is_what_was_typed_once_its_apostrophes_are_taken_out(rows):
    read = list(csv.reader(io.StringIO(written(rows), newline="")))
    assert [[re.sub(r"'(?=[=+\-@])", "", cell) for cell in row] for row in read] == rows
