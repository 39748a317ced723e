"""Tidying what people type: white space folded, control characters dropped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from undersigned.site.text import clean_multiline, clean_text, clean_text_by_character


def test_white_space_is_trimmed_and_folded_and_control_characters_dropped():
    assert clean_text("  Ada\t\u00a0 Lovelace\x00\u200b \n") == "Ada Lovelace"


def test_printable_text_keeps_every_character_but_the_extra_spaces():
    assert clean_text("  Zoë   O'Brien-Ng ") == "Zoë O'Brien-Ng"


def test_an_address_keeps_its_lines_without_empty_ones():
    assert clean_multiline(" 1 High St \r\n\r\n  Croydon\x07 ") == "1 High St\nCroydon"


@given(st.text())
def test_the_quick_way_for_printable_text_gives_what_looking_at_each_character_gives(value):
    assert clean_text(value) == clean_text_by_character(value)
