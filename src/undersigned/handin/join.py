"""Joining the parts of a hand-in PDF into one file, with "Page N of M" on every page.

The parts are copied one at a time, each page's objects written out as soon as they are
read, so that memory stays that of one part however many pages the pack has (pypdf's
``PdfWriter`` would hold every page until the end). No Django imports: callers pass the
words to write, already translated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

# Widths of the Helvetica glyphs used in page numbers, in thousandths of the font size
# (Adobe's metrics for the standard font every PDF reader has); others count as digits.
_HELVETICA_WIDTHS = {" ": 278, "f": 278, "P": 667, "a": 556, "e": 556, "g": 556, "o": 556}
FOOTER_FONT_SIZE = 7.5
FOOTER_RIGHT = 595.28 - 16 * 72 / 25.4  # A4 width less the 16 mm right margin, in points
FOOTER_BASELINE = 36.0  # points above the bottom edge, level with the footer's other text
_FONT_NAME = NameObject("/UndersignedPageNumber")


def _pdf_text(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("cp1252", errors="replace")


def page_number_stream(text: str) -> bytes:
    """Drawing ``text`` right-aligned at the foot of an A4 page, in grey Helvetica."""
    width = sum(_HELVETICA_WIDTHS.get(char, 556) for char in text) * FOOTER_FONT_SIZE / 1000
    return b"q 0.33 g BT %s %.2f Tf %.2f %.2f Td (%s) Tj ET Q\n" % (
        _FONT_NAME.encode(),
        FOOTER_FONT_SIZE,
        FOOTER_RIGHT - width,
        FOOTER_BASELINE,
        _pdf_text(text),
    )


class _Output:
    """A PDF written object by object, with the cross-reference table at the end."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.offsets: list[int] = [0]  # object 0 is the head of the free list
        self.position = 0
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.target.write(data)
        self.position += len(data)

    def reserve(self) -> IndirectObject:
        self.offsets.append(0)
        return IndirectObject(len(self.offsets) - 1, 0, None)

    def put(self, reference: IndirectObject, value: PdfObject) -> IndirectObject:
        self.offsets[reference.idnum] = self.position
        self._write(b"%d 0 obj\n" % reference.idnum)
        value.write_to_stream(self)
        self._write(b"\nendobj\n")
        return reference

    def add(self, value: PdfObject) -> IndirectObject:
        return self.put(self.reserve(), value)

    def write(self, data: bytes) -> int:  # what write_to_stream calls
        self._write(data)
        return len(data)

    def finish(self, *, root: IndirectObject, info: IndirectObject) -> None:
        start = self.position
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets)]
        rows.extend(b"%010d 00000 n \n" % offset for offset in self.offsets[1:])
        trailer = DictionaryObject(
            {
                NameObject("/Size"): NumberObject(len(self.offsets)),
                NameObject("/Root"): root,
                NameObject("/Info"): info,
            }
        )
        self._write(b"".join(rows) + b"trailer\n")
        trailer.write_to_stream(self)
        self._write(b"\nstartxref\n%d\n%%%%EOF\n" % start)


class _Part:
    """Copies the objects a part's pages use, renumbered, each one once."""

    def __init__(self, output: _Output) -> None:
        self.output = output
        self.copied: dict[int, IndirectObject] = {}

    def copy(self, value: PdfObject) -> PdfObject:
        """``value`` with every reference in it pointing to its copy (made if need be).

        Changes ``value`` in place: the part is read once and let go.
        """
        if isinstance(value, IndirectObject) and value.pdf is not None:  # (None: ours)
            copied = self.copied.get(value.idnum)
            if copied is None:
                copied = self.copied[value.idnum] = self.output.reserve()
                self.output.put(copied, self.copy(value.get_object()))
            return copied
        if isinstance(value, DictionaryObject):  # streams too
            for key, item in value.items():
                value[key] = self.copy(item)
        elif isinstance(value, ArrayObject):
            for index, item in enumerate(value):
                value[index] = self.copy(item)
        return value


def pdf_join(
    *,
    parts: list[tuple[Path, int]],
    target: BinaryIO,
    page_label: Callable[[int, int], str],
    metadata: dict[str, str],
) -> int:
    """Join ``parts`` (each a file and its number of pages) into one PDF written to
    ``target``; return its number of pages.

    ``page_label(n, total)`` is what is written at the foot of page ``n``; ``metadata`` goes
    into the document information (``{"/Title": ...}``).
    """
    total = sum(pages for _, pages in parts)
    output = _Output(target)
    pages_node = output.reserve()
    font = output.add(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    # Each page's own drawing is wrapped in q/Q so that whatever state it leaves behind
    # (WeasyPrint flips the y axis) does not move the page number.
    save, restore = DecodedStreamObject(), DecodedStreamObject()
    save.set_data(b"q\n")
    restore.set_data(b"\nQ\n")
    save, restore = output.add(save), output.add(restore)
    kids = ArrayObject()
    for path, _ in parts:
        part = _Part(output)
        for page in PdfReader(path).pages:
            number = len(kids) + 1
            stamp = DecodedStreamObject()
            stamp.set_data(page_number_stream(page_label(number, total)))
            contents = page.get("/Contents")
            contents = contents.get_object() if contents is not None else ArrayObject()
            drawn = list(contents) if isinstance(contents, ArrayObject) else [page["/Contents"]]
            page[NameObject("/Contents")] = ArrayObject([save, *drawn, restore, output.add(stamp)])
            resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
            fonts = DictionaryObject(resources.get("/Font", DictionaryObject()).get_object())
            fonts[_FONT_NAME] = font
            resources[NameObject("/Font")] = fonts
            page[NameObject("/Resources")] = resources
            page[NameObject("/Parent")] = pages_node
            for key in ("/Annots", "/StructParents", "/Tabs"):  # links and tags stay behind
                page.pop(key, None)
            kids.append(output.add(part.copy(DictionaryObject(page))))
    output.put(
        pages_node,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): kids,
                NameObject("/Count"): NumberObject(len(kids)),
            }
        ),
    )
    root = output.add(
        DictionaryObject(
            {NameObject("/Type"): NameObject("/Catalog"), NameObject("/Pages"): pages_node}
        )
    )
    info = output.add(
        DictionaryObject(
            {NameObject(key): TextStringObject(value) for key, value in metadata.items()}
        )
    )
    output.finish(root=root, info=info)
    if len(kids) != total:
        raise ValueError(f"The parts have {len(kids)} pages, not {total}.")
    return total
