"""The hand-in PDF's list of signatories laid out by Typst, one part at a time, from the JSON
that ``signatories.typ`` reads. No Django imports: it runs in worker processes."""

from __future__ import annotations

import functools
import io
import json
from importlib.resources import files
from pathlib import Path

import typst
from pypdf import PdfReader

LIST_TEMPLATE = "templates/handin/pdf/signatories.typ"
# Typst keeps what it laid out in a cache shared by the whole process, and after each
# compilation drops what the last 10 compilations did not use: this many trivial ones after
# a part let the part go, so that a worker's memory stays that of one part.
_CACHE_GENERATIONS = 11


@functools.cache
def _list_source() -> bytes:
    return (files("undersigned.handin") / LIST_TEMPLATE).read_bytes()


@functools.cache
def _compiler() -> typst.Compiler:
    """One per process: finding the system's fonts takes a while, and they do not change."""
    return typst.Compiler(_list_source())


def signatories_render(*, part: str, path: Path) -> int:
    """Lay out one part of the list (``part``: the JSON that signatories.typ reads) to ``path``;
    return its number of pages."""
    compiler = _compiler()
    # The source goes with every call: the binding reads it again each time.
    pdf = compiler.compile(_list_source(), format="pdf", sys_inputs={"part": part}, pdf_tags=False)
    path.write_bytes(pdf)
    for _ in range(_CACHE_GENERATIONS):
        compiler.compile(b"", format="pdf", sys_inputs={}, pdf_tags=False)
    return len(PdfReader(io.BytesIO(pdf)).pages)


_MEASURE = b"""
#let input = json(bytes(sys.inputs.measure))
#set text(font: input.fonts, size: 1000pt)
#let width(body, weight) = measure(text(weight: weight, body)).width / 1pt
#context [#metadata(input.chars.map(c => (
  width("x" + c + "x", "regular") - width("xx", "regular"),
  width("x" + c + "x", "bold") - width("xx", "bold"),
)))<widths>]
"""


def glyph_widths(*, fonts: list[str], chars: str) -> dict[str, tuple[float, float]]:
    """The advance of each of ``chars`` in ``fonts``, regular and bold, in ems."""
    answer = typst.query(
        _MEASURE,
        "<widths>",
        field="value",
        one=True,
        sys_inputs={"measure": json.dumps({"fonts": fonts, "chars": list(chars)})},
    )
    return {
        char: (regular / 1000, bold / 1000)
        for char, (regular, bold) in zip(chars, json.loads(answer), strict=True)
    }
