"""UK postcodes: validating, normalising and finding them in free text (BS 7666 rules).

A postcode is an outward code (area + district, e.g. ``CR0``, ``SW1A``) and an inward code
(sector + unit, e.g. ``1NY``). Each position only admits some letters, which catches most
typing mistakes before any lookup. ``GIR 0AA`` (Girobank) is the one historic exception.
"""

from __future__ import annotations

import re
import unicodedata

# First position: any letter but Q, V, X. Second (when a letter): any but I, J, Z.
# Third, in the A9A form: A-H, J, K, P, S, T, U, W. Fourth, in AA9A: A B E H M N P R V W X Y.
# Inward letters: any but C, I, K, M, O, V.
_FIRST = "[A-PR-UWYZ]"
_SECOND = "[A-HK-Y]"
_OUTWARD = (
    rf"(?:{_FIRST}[0-9][0-9]?"
    rf"|{_FIRST}{_SECOND}[0-9][0-9]?"
    rf"|{_FIRST}[0-9][A-HJKPSTUW]"
    rf"|{_FIRST}{_SECOND}[0-9][ABEHMNPRVWXY])"
)
_INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"

_POSTCODE = re.compile(rf"^(?:(?P<out>{_OUTWARD})(?P<in>{_INWARD})|(?P<gir>GIR0AA))$")
_POSTCODE_IN_TEXT = re.compile(
    rf"(?<![A-Z0-9])(?:(?P<out>{_OUTWARD})\s*(?P<in>{_INWARD})|(?P<gir>GIR\s*0AA))(?![A-Z0-9])"
)


def normalise_postcode(raw: str) -> str | None:
    """Return the postcode in its standard form (``CR0 1NY``), or ``None`` if it is not one.

    Case and spacing do not matter: ``cr01ny``, `` Cr0  1ny `` and ``CR0 1NY`` are the same.
    """
    # NFKC folds the full-width letters and digits some phone keyboards type into ASCII.
    compact = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    match = _POSTCODE.match(compact)
    if match is None:
        return None
    if match["gir"]:
        return "GIR 0AA"
    return f"{match['out']} {match['in']}"


def is_valid_postcode(raw: str) -> bool:
    return normalise_postcode(raw) is not None


def find_postcode(text: str) -> str | None:
    """The last postcode written in ``text`` (an address usually ends with it), normalised."""
    matches = list(_POSTCODE_IN_TEXT.finditer(unicodedata.normalize("NFKC", text).upper()))
    if not matches:
        return None
    last = matches[-1]
    if last["gir"]:
        return "GIR 0AA"
    return f"{last['out']} {last['in']}"
