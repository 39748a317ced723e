"""UK postcodes: every BS 7666 format is accepted in any case and spacing, wrong letters are not."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from undersigned.places.postcodes import find_postcode, is_valid_postcode, normalise_postcode

LETTERS = string.ascii_uppercase
DIGITS = string.digits

# The letters each position admits (BS 7666).
FIRST = "".join(c for c in LETTERS if c not in "QVX")
SECOND = "".join(c for c in LETTERS if c not in "IJZ")
THIRD_IN_A9A = "ABCDEFGHJKPSTUW"
FOURTH_IN_AA9A = "ABEHMNPRVWXY"
INWARD = "".join(c for c in LETTERS if c not in "CIKMOV")

# Each outward format as the characters each position admits.
OUTWARD_FORMATS = {
    "A9": [FIRST, DIGITS],
    "A99": [FIRST, DIGITS, DIGITS],
    "A9A": [FIRST, DIGITS, THIRD_IN_A9A],
    "AA9": [FIRST, SECOND, DIGITS],
    "AA99": [FIRST, SECOND, DIGITS, DIGITS],
    "AA9A": [FIRST, SECOND, DIGITS, FOURTH_IN_AA9A],
}
INWARD_FORMAT = [DIGITS, INWARD, INWARD]

# Letter positions (format, index into outward + inward) and the letters they refuse.
LETTER_POSITIONS = [
    (name, index, "".join(c for c in LETTERS if c not in allowed))
    for name, positions in OUTWARD_FORMATS.items()
    for index, allowed in enumerate([*positions, *INWARD_FORMAT])
    if allowed is not DIGITS
]


def chars(allowed: list[str]) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from(options) for options in allowed)).map("".join)


@st.composite
def postcodes(draw, formats=tuple(OUTWARD_FORMATS)) -> str:
    """A valid postcode in its standard form, e.g. ``SW1A 1AA``."""
    name = draw(st.sampled_from(formats))
    if name == "GIR":
        return "GIR 0AA"
    return f"{draw(chars(OUTWARD_FORMATS[name]))} {draw(chars(INWARD_FORMAT))}"


any_postcode = postcodes(formats=(*OUTWARD_FORMATS, "GIR"))
spacing = st.sampled_from(["", "", " ", "  ", "\t", "\n", "\u00a0"])


@st.composite
def as_typed(draw, postcode: str) -> str:
    """``postcode`` as a person might type it: any case, spaces anywhere or nowhere."""
    typed = draw(spacing)
    for char in postcode.replace(" ", ""):
        typed += char.lower() if draw(st.booleans()) else char
        typed += draw(spacing)
    return typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cr01ny", "CR0 1NY"),
        ("CR0 1NY", "CR0 1NY"),
        (" Cr0  1ny ", "CR0 1NY"),
        ("m11ae", "M1 1AE"),
        ("b338th", "B33 8TH"),
        ("w1a0ax", "W1A 0AX"),
        ("ls10 1ab", "LS10 1AB"),
        ("dn551pt", "DN55 1PT"),
        ("sw1a1aa", "SW1A 1AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("gir0aa", "GIR 0AA"),
        ("G I R 0 A A", "GIR 0AA"),
        ("\uff23\uff32\uff10 \uff11\uff2e\uff39", "CR0 1NY"),  # full-width, from some keyboards
    ],
)
def test_known_postcodes_are_normalised_to_outward_space_inward(typed, expected):
    assert normalise_postcode(typed) == expected
    assert is_valid_postcode(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "hello",
        "CR0",
        "1NY",
        "CR0 1N",
        "CR0 1NYY",
        "CR01 1NY1",
        "QR0 1NY",  # Q never comes first
        "CJ0 1NY",  # J never comes second
        "ZZ99 9ZZ",  # Z never comes second
        "W1L 0AX",  # L is not a third letter
        "EC1C 1BB",  # C is not a fourth letter
        "CR0 1CY",  # C is not an inward letter
        "CR0 1NO",  # O is not an inward letter
        "GIR 0AB",
        "CR0-1NY",
        "CR0 1NY\x00",
    ],
)
def test_things_that_are_not_postcodes_are_rejected(typed):
    assert normalise_postcode(typed) is None
    assert not is_valid_postcode(typed)


@given(postcode=any_postcode)
def test_every_valid_postcode_is_accepted_as_it_is(postcode):
    assert normalise_postcode(postcode) == postcode


@given(data=st.data(), postcode=any_postcode)
def test_any_case_and_spacing_gives_the_standard_form(data, postcode):
    typed = data.draw(as_typed(postcode))

    assert normalise_postcode(typed) == postcode


@given(postcode=postcodes())
def test_the_standard_form_is_the_outward_code_a_space_and_the_three_character_inward_code(
    postcode,
):
    outward, inward = postcode.split(" ")
    assert 2 <= len(outward) <= 4
    assert len(inward) == 3
    assert inward[0].isdigit()


@given(postcode=any_postcode, data=st.data())
def test_normalising_is_idempotent_for_typed_postcodes(postcode, data):
    once = normalise_postcode(data.draw(as_typed(postcode)))

    assert normalise_postcode(once) == once


@given(text=st.text(max_size=20))
def test_normalising_any_text_is_idempotent(text):
    result = normalise_postcode(text)

    assert result is None or normalise_postcode(result) == result


@pytest.mark.parametrize(
    ("name", "index", "refused"),
    LETTER_POSITIONS,
    ids=[f"{name}-position-{index + 1}" for name, index, _ in LETTER_POSITIONS],
)
@given(data=st.data())
def test_a_letter_not_allowed_in_a_position_is_rejected(name, index, refused, data):
    positions = [*OUTWARD_FORMATS[name], *INWARD_FORMAT]
    compact = list(data.draw(chars(positions)))
    compact[index] = data.draw(st.sampled_from(refused))
    typed = "".join(compact[:-3]) + " " + "".join(compact[-3:])

    assert normalise_postcode(typed) is None
    assert normalise_postcode(typed.lower()) is None


@given(outward=st.sampled_from(FIRST), inward=chars(INWARD_FORMAT))
def test_an_outward_code_of_a_letter_alone_is_rejected(outward, inward):
    assert normalise_postcode(f"{outward} {inward}") is None


streets = st.sampled_from(["Acacia Avenue", "High Street", "The Crescent", "Mill Lane"])
towns = st.sampled_from(["Croydon", "Northfield", "Little Snoring", ""])
separators = st.sampled_from([", ", "\n", " ", ",\n"])


@given(
    postcode=any_postcode,
    number=st.integers(min_value=1, max_value=999),
    street=streets,
    town=towns,
    separator=separators,
    gap=st.sampled_from(["", " ", "  "]),
    lower=st.booleans(),
    tail=st.sampled_from(["", "\n", ", UK", "\nUnited Kingdom"]),
)
def test_a_postcode_is_found_at_the_end_of_an_address(
    postcode, number, street, town, separator, gap, lower, tail
):
    outward, inward = postcode.split(" ")
    written = f"{outward}{gap}{inward}"
    address = f"{number} {street}{separator}{town}{separator if town else ''}{written}{tail}"

    assert find_postcode(address.lower() if lower else address) == postcode


@given(first=postcodes(), second=postcodes())
def test_the_last_postcode_in_a_text_is_the_one_found(first, second):
    text = f"Was at {first}, now living at 4 Mill Lane, {second}"

    assert find_postcode(text) == second


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Acacia Avenue, Croydon CR0 1NY", "CR0 1NY"),
        ("12 Acacia Avenue\nCroydon\ncr01ny", "CR0 1NY"),
        ("Flat 3, 10 Downing Street, London SW1A 2AA, UK", "SW1A 2AA"),
        ("Girobank, Bootle GIR 0AA", "GIR 0AA"),
        ("CR0 1NY", "CR0 1NY"),
        ("12 Acacia Avenue, Croydon", None),
        ("", None),
        ("Unit XCR0 1NYZ", None),  # glued to other letters: not a postcode on its own
        ("Ref 12CR0 1NY", None),
        ("QR0 1NY", None),
    ],
)
def test_find_postcode_examples(text, expected):
    assert find_postcode(text) == expected


@given(text=st.text(alphabet=string.ascii_letters + " ,\n", max_size=60))
def test_text_without_digits_never_holds_a_postcode(text):
    assert find_postcode(text) is None
