"""Tidying what people type into forms: white space folded, control characters dropped."""

from __future__ import annotations

import unicodedata


def clean_text(value: str) -> str:
    """Trim, fold runs of white space to one space and drop control characters."""
    if value.isprintable():
        # No control characters, and no white space but the plain space (Python counts every
        # other kind as unprintable): only the folding is left to do.
        return " ".join(value.split())
    return clean_text_by_character(value)


def clean_text_by_character(value: str) -> str:
    """:func:`clean_text` for any text, looking at each character (slower)."""
    printable = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    return " ".join(printable.split())


def clean_multiline(value: str) -> str:
    """Like :func:`clean_text` but keeps line breaks (for addresses and messages)."""
    lines = (clean_text(line) for line in value.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)
