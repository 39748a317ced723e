"""Fuzzing the sign form and ``services.sign()``: whatever arrives, never a server error,
never half a row, and a message a person can act on when nothing is stored.

Every example runs in a savepoint that is rolled back afterwards, so the examples do not see
each other's signatures (nor each other's rate-limit counts) and "exactly one new row, or
none" can be checked exactly.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tests.factories import PetitionPageFactory, SignatureFactory, sign_url, site_home
from undersigned.petitions import services
from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.petitions.services import SignerDetails, name_key
from undersigned.places.postcodes import find_postcode, normalise_postcode
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_multiline, clean_text

pytestmark = pytest.mark.django_db


def fuzz(examples: int) -> settings:
    """Hypothesis settings for a test whose fixtures (the site, the petition) are made once,
    outside the savepoints the examples run in."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- What people (and robots) type -----------------------------------------------------------

C0_C1 = [chr(code) for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]]
INVISIBLE = [
    "\u00a0",  # no-break space
    "\u00ad",  # soft hyphen
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\u3000",  # ideographic space
    "\ufeff",  # byte order mark
    "\ue000",  # private use
]
ASTRAL = ["\U0001f600", "\U0001f469\u200d\U0001f4bb", "\U00010348", "\U0002a6b2", "\U0001d54f"]
TRICKY = [
    "<script>alert(1)</script>",
    '"><b>x</b>',
    "</textarea>",
    "&amp;",
    "{{ name }}",
    "%(name)s",
    "=HYPERLINK(1)",
    "\u0130",  # lower-cases to two characters
    "\u00df",  # folds to two characters
    "\uff23\uff32\uff10",  # full-width "CR0"
    "\r\n",
    "\t",
]
SPECIAL = st.sampled_from(C0_C1 + INVISIBLE + ASTRAL + TRICKY)
# Any character that can travel in UTF-8 (lone surrogates cannot).
ANY_CHAR = st.characters(codec="utf-8")


def text_with(special: st.SearchStrategy[str], *, pieces: int = 8) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.text(ANY_CHAR, max_size=12), special), max_size=pieces).map(
        "".join
    )


tricky_text = text_with(SPECIAL)

POSTCODES = ["CR0 1NY", "SW1A 1AA", "M1 1AE", "B33 8TH", "EC1A 1BB", "DN55 1PT", "GIR 0AA"]


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@st.composite
def postcode_as_typed(draw) -> str:
    """A real postcode as someone might type it: any case, any spacing, maybe full-width."""
    postcode = draw(st.sampled_from(POSTCODES))
    outward, inward = postcode.split(" ")
    postcode = outward + draw(st.sampled_from(["", " ", "  ", "\t", "\u00a0"])) + inward
    postcode = "".join(ch.lower() if draw(st.booleans()) else ch for ch in postcode)
    if draw(st.booleans()):
        postcode = full_width(postcode)
    padding = st.sampled_from(["", " ", "\u00a0"])
    return draw(padding) + postcode + draw(padding)


plain_email = st.builds(
    lambda user, domain, upper: f"{user}@{domain}".upper() if upper else f"{user}@{domain}",
    st.from_regex(r"\A[a-z0-9]{1,12}(\.[a-z0-9]{1,12})?\Z"),
    st.sampled_from(["example.org", "mail.example.co.uk", "xn--bcher-kva.example"]),
    st.booleans(),
)
NAMES = ["Ada Lovelace", "Seán Ó Briain", "Zoë Ünal", "李小龍", "محمد", "Anne-Marie O'Neil"]


# Around each field's limit (200, 500 and 254 characters), some of it invisible.
def near(limit: int) -> st.SearchStrategy[str]:
    return st.tuples(
        st.text(ANY_CHAR, min_size=limit - 10, max_size=limit + 10), text_with(SPECIAL, pieces=2)
    ).map("".join)


# Plausible values are listed more than once: one_of() picks each branch equally often, and a
# form that is almost always refused would test the refusals only.
names = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES),
    st.tuples(text_with(SPECIAL, pieces=3), st.sampled_from(NAMES)).map("".join),
    tricky_text,
    near(200),
)
addresses = st.one_of(
    st.just(""),
    st.tuples(
        st.sampled_from(["12 Acacia Avenue", "Flat 3\r\n9 Mill Lane"]), postcode_as_typed()
    ).map("\n".join),
    tricky_text,
    near(500),
)
postcodes = st.one_of(st.just(""), postcode_as_typed(), postcode_as_typed(), tricky_text)
emails = st.one_of(
    st.just(""),
    st.just(""),
    plain_email,
    st.emails(),
    tricky_text,
    st.integers(235, 260).map(lambda n: "a" * n + "@example.org"),
)
ticks = st.sampled_from(["on", "", "", "", "off", "0", "false", "1", "\x00"])

FIELDS = {
    "name": names,
    "address": addresses,
    "postcode": postcodes,
    "email": emails,
    "wants_updates": ticks,
}
SAFE_KEY = st.from_regex(r"\A[a-z_]{1,12}\Z")


@st.composite
def form_pairs(draw, *, extra_keys: st.SearchStrategy[str] = SAFE_KEY) -> list[tuple[str, str]]:
    """The form's fields, each missing, given once or repeated, plus unknown ones, any order."""
    pairs = []
    for key, values in FIELDS.items():
        times = draw(st.sampled_from([0, 1, 1, 1, 1, 1, 1, 2, 3]))
        pairs += [(key, draw(values)) for _ in range(times)]
    pairs += draw(st.lists(st.tuples(extra_keys, tricky_text), max_size=3))
    return draw(st.permutations(pairs))


# --- What the site must do with it -----------------------------------------------------------


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def newest_pk() -> int:
    return Signature.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


class _VisibleText(HTMLParser):
    HIDDEN = ("script", "style", "title")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden_in = ""

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden_in = tag

    def handle_endtag(self, tag):
        if tag == self._hidden_in:
            self._hidden_in = ""

    def handle_data(self, data):
        if not self._hidden_in:
            self.parts.append(data)


def visible_text(response) -> str:
    if not response.get("Content-Type", "").startswith("text/html"):
        return response.content.decode()
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


# What each refusal says, as a person reads it.
REFUSALS = {
    200: "There is a problem",  # the form's error summary, everything typed kept
    400: "Sorry, we could not read what was sent",
    403: "Sorry, your form could not be sent",
    405: "Nothing was saved",
}


def assert_clear_refusal(response) -> None:
    status = response.status_code
    text = visible_text(response)
    if status == 409:  # a rule the form does not know: the summary again
        assert "There is a problem" in text or "closed" in text, text[:500]
        return
    assert status in REFUSALS, (status, text[:500])
    assert REFUSALS[status] in text, (status, text[:500])


def has_control_characters(value: str, *, newlines: bool = False) -> bool:
    return any(unicodedata.category(ch) == "Cc" and not (newlines and ch == "\n") for ch in value)


def assert_complete(signature: Signature, petition: PetitionPage) -> None:
    """A row as ``services.sign()`` promises it: every field there, tidy and consistent."""
    signature.refresh_from_db()
    assert signature.petition_id == petition.pk
    for field in ("name", "name_key", "postcode", "email", "consent_text", "consent_version"):
        assert not has_control_characters(getattr(signature, field)), field
    assert not has_control_characters(signature.address, newlines=True)

    assert signature.name
    assert signature.name == clean_text(signature.name)
    assert len(signature.name) <= 200
    assert signature.name_key == name_key(signature.name)
    assert signature.address == clean_multiline(signature.address)
    assert len(signature.address) <= 500
    assert signature.address or signature.postcode
    if signature.postcode:
        assert normalise_postcode(signature.postcode) == signature.postcode
    if signature.email:
        assert signature.email == clean_text(signature.email).lower()
        assert len(signature.email) <= 254
        validate_email(signature.email)

    consent = (signature.consent_text, signature.consent_version, signature.consented_at)
    if signature.wants_updates:
        assert signature.email
        assert all(consent)
    else:
        assert not any(consent)
    assert signature.state in SignatureState.values
    assert (signature.state == SignatureState.DUPLICATE) == (signature.duplicate_of_id is not None)
    assert len(signature.ip_hash) == 32
    assert signature.created_at is not None


def expected_details(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """What the row should hold for a form that reached the view as sent.

    A repeated field counts with its last value, as Django reads it.
    """
    last = dict(pairs)
    address = clean_multiline(last.get("address", ""))
    typed_postcode = last.get("postcode", "")
    if typed_postcode.strip():
        postcode = normalise_postcode(typed_postcode)
    else:
        postcode = find_postcode(address) or ""
    return {
        "name": clean_text(last.get("name", "")),
        "address": address,
        "postcode": postcode,
        "email": clean_text(last.get("email", "")).lower(),
    }


def assert_outcome(
    response, petition: PetitionPage, *, before: int, pairs: list[tuple[str, str]] | None = None
) -> Signature | None:
    """One new complete row and the redirect to the thank-you page, or no row and a message."""
    assert response.status_code < 500, response.content[:2000]
    new = list(Signature.objects.filter(pk__gt=before))
    event("stored" if new else f"refused with {response.status_code}")
    if not new:
        assert_clear_refusal(response)
        return None
    assert len(new) == 1
    assert response.status_code == 302
    assert response["Location"] == petition.thank_you_url
    signature = new[0]
    assert_complete(signature, petition)
    if pairs is not None:
        expected = expected_details(pairs)
        assert {field: getattr(signature, field) for field in expected} == expected
    return signature


@pytest.fixture
def petition(db) -> PetitionPage:
    site_home()
    return PetitionPageFactory()


@pytest.fixture
def http() -> Client:
    # Server errors come back as responses, so that the property names the status.
    return Client(raise_request_exception=False)


# --- Through HTTP ------------------------------------------------------------------------------


@fuzz(120)
@given(pairs=form_pairs(), multipart=st.booleans())
def test_any_answers_in_the_form_store_one_complete_row_or_get_a_clear_message(
    http, petition, pairs, multipart
):
    with rolled_back():
        before = newest_pk()
        if multipart:
            data: dict[str, list[str]] = {}
            for key, value in pairs:
                data.setdefault(key, []).append(value)
            response = http.post(sign_url(petition), data)
        else:
            response = http.post(
                sign_url(petition),
                urlencode(pairs),
                content_type="application/x-www-form-urlencoded",
            )
        assert_outcome(response, petition, before=before, pairs=pairs)


# Letters, marks, digits, punctuation, symbols and spaces, after a few invisible characters.
person_names = st.tuples(
    st.lists(st.sampled_from(INVISIBLE), max_size=2).map("".join),
    st.text(
        st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]),
        min_size=1,
        max_size=120,
    ),
).map("".join)


@fuzz(60)
@given(
    name=person_names,
    postcode=postcode_as_typed(),
    email=st.one_of(st.just(""), plain_email),
    wants_updates=st.booleans(),
)
def test_a_person_with_a_name_a_postcode_and_maybe_an_email_can_always_sign(
    http, petition, name, postcode, email, wants_updates
):
    assume(clean_text(name))
    assume(email or not wants_updates)
    pairs = [("name", name), ("postcode", postcode), ("email", email)]
    if wants_updates:
        pairs.append(("wants_updates", "on"))

    with rolled_back():
        before = newest_pk()
        response = http.post(sign_url(petition), dict(pairs))

        signature = assert_outcome(response, petition, before=before, pairs=pairs)
        assert signature is not None, visible_text(response)[:500]
        assert signature.wants_updates == wants_updates


@fuzz(12)
@given(
    field=st.sampled_from(["name", "address", "postcode", "email", "notes"]),
    size=st.integers(10_000, 3_000_000),
    char=st.sampled_from(["A", "\u00e9", "\U0001f600", "\x00", " ", "\u200b"]),
    multipart=st.booleans(),
)
def test_a_huge_field_is_refused_with_a_message_or_ignored_never_a_server_error(
    http, petition, field, size, char, multipart
):
    pairs = {"name": "Ada Lovelace", "postcode": "CR0 1NY", field: char * (size // len(char))}
    with rolled_back():
        before = newest_pk()
        if multipart:
            response = http.post(sign_url(petition), pairs)
        else:
            body = urlencode(pairs)
            response = http.post(
                sign_url(petition), body, content_type="application/x-www-form-urlencoded"
            )
            if len(body) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                assert response.status_code == 400
        signature = assert_outcome(response, petition, before=before)
        if field != "notes" and char.strip():
            assert signature is None  # every known field has a limit far below 10 kB


@fuzz(8)
@given(times=st.integers(1_001, 3_000), multipart=st.booleans())
def test_a_field_repeated_more_times_than_django_reads_gets_a_clear_page(
    http, petition, times, multipart
):
    pairs = [("name", "Ada Lovelace"), ("postcode", "CR0 1NY")] * times
    with rolled_back():
        before = newest_pk()
        if multipart:
            response = http.post(
                sign_url(petition), {"name": ["Ada"] * times, "postcode": "CR0 1NY"}
            )
        else:
            response = http.post(
                sign_url(petition),
                urlencode(pairs),
                content_type="application/x-www-form-urlencoded",
            )
        assert response.status_code == 400
        assert assert_outcome(response, petition, before=before) is None


GOOD_FORM = {"name": "Ada Lovelace", "postcode": "CR0 1NY"}


@st.composite
def odd_bodies(draw) -> tuple[bytes | str, str]:
    """A body and content type that are not a well-formed form: anything a robot might send."""
    kind = draw(
        st.sampled_from(
            [
                "json",
                "text",
                "bad-percent",
                "bad-utf8",
                "bytes-as-form",
                "broken-multipart",
                "no-boundary",
                "unknown-type",
                "charset",
            ]
        )
    )
    if kind == "json":
        import json

        value = draw(st.one_of(st.just(GOOD_FORM), st.dictionaries(tricky_text, tricky_text)))
        return json.dumps(value).encode(), draw(
            st.sampled_from(["application/json", "application/x-www-form-urlencoded"])
        )
    if kind == "text":
        return urlencode(GOOD_FORM).encode(), "text/plain"
    if kind == "bad-percent":
        junk = draw(st.sampled_from(["%", "%Z", "%zz", "%0", "%%41", "%u0041", "%C3%28", "%ED%A0"]))
        body = f"name=Ada{junk}&postcode=CR0+1NY&{junk}={junk}"
        return body.encode(), "application/x-www-form-urlencoded"
    if kind == "bad-utf8":
        junk = draw(st.binary(min_size=1, max_size=20).filter(lambda b: not _is_utf8(b)))
        body = b"name=Ada" + junk + b"&postcode=CR0+1NY&email=" + junk
        return body, "application/x-www-form-urlencoded"
    if kind == "bytes-as-form":
        return draw(st.binary(max_size=300)), "application/x-www-form-urlencoded"
    if kind == "broken-multipart":
        body = draw(
            st.sampled_from(
                [
                    b'--BoUnDaRy\r\nContent-Disposition: form-data; name="name"\r\n\r\nAda',
                    b"--BoUnDaRy\r\n\r\n--BoUnDaRy--",
                    b"--BoUnDaRy\r\nContent-Disposition: form-data\r\n\r\nAda\r\n--BoUnDaRy--",
                    b"garbage",
                    b"",
                ]
            )
        )
        return body + draw(st.binary(max_size=50)), "multipart/form-data; boundary=BoUnDaRy"
    if kind == "no-boundary":
        return urlencode(GOOD_FORM).encode(), "multipart/form-data"
    form = urlencode(GOOD_FORM).encode()
    if kind == "charset":
        charset = draw(st.sampled_from(["latin-1", "utf-16", "x-no-such-charset", "utf-8"]))
        return form, f"application/x-www-form-urlencoded; charset={charset}"
    return form, draw(st.sampled_from(["", "application/xml", "image/png"]))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


@fuzz(80)
@given(body=odd_bodies())
def test_a_body_in_the_wrong_format_stores_nothing_or_one_complete_row(http, petition, body):
    data, content_type = body
    with rolled_back():
        before = newest_pk()
        # generic() sends the bytes as they are (post() would re-encode them to the charset).
        response = http.generic("POST", sign_url(petition), data, content_type=content_type)
        assert_outcome(response, petition, before=before)


@fuzz(15)
@given(
    files=st.lists(
        st.tuples(
            st.sampled_from(["name", "photo", "postcode", "file"]),
            st.binary(max_size=2000),
            st.sampled_from(["a.txt", "../../etc/passwd", "x\x00.png", "\u202egnp.exe", ""]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_files_sent_with_the_form_are_ignored_or_refused(http, petition, files):
    data: dict = {"name": "Ada Lovelace", "postcode": "CR0 1NY"}
    for field, content, filename in files:
        data[field] = SimpleUploadedFile(filename or "f", content)
    with rolled_back():
        before = newest_pk()
        response = http.post(sign_url(petition), data)
        signature = assert_outcome(response, petition, before=before)
        if signature is not None:
            assert signature.name == "Ada Lovelace"


@fuzz(15)
@given(method=st.sampled_from(["put", "patch", "delete"]), pairs=form_pairs())
def test_other_methods_store_nothing_and_say_which_ones_the_page_takes(
    http, petition, method, pairs
):
    with rolled_back():
        before = newest_pk()
        response = getattr(http, method)(
            petition.url, urlencode(pairs), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 405
        assert set(re.split(r",\s*", response["Allow"])) >= {"GET", "POST"}
        assert assert_outcome(response, petition, before=before) is None


# --- CSRF ------------------------------------------------------------------------------------


@fuzz(15)
@given(pairs=form_pairs(), token=st.one_of(st.none(), st.just(""), tricky_text))
def test_without_a_valid_csrf_token_any_form_gets_the_csrf_page_and_stores_nothing(
    petition, pairs, token
):
    strict = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if token is not None:
        pairs = [*pairs, ("csrfmiddlewaretoken", token)]
    with rolled_back():
        before = newest_pk()
        response = strict.post(
            sign_url(petition), urlencode(pairs), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 403
        assert "make sure cookies are allowed" in visible_text(response)
        assert assert_outcome(response, petition, before=before) is None


# --- The service itself ------------------------------------------------------------------------


@fuzz(150)
@given(
    signer=st.builds(
        SignerDetails,
        name=names,
        address=addresses,
        postcode=postcodes,
        email=emails,
        wants_updates=st.booleans(),
    )
)
def test_sign_stores_one_complete_row_or_raises_an_application_error_nothing_else(petition, signer):
    with rolled_back():
        before = newest_pk()
        try:
            result = services.sign(petition=petition, signer=signer, ip_hash="f" * 32)
        except ApplicationError as error:
            event("refused")
            assert str(error.message).strip()
            assert not Signature.objects.filter(pk__gt=before).exists()
            return
        event("stored")
        new = list(Signature.objects.filter(pk__gt=before))
        assert [row.pk for row in new] == [result.signature.pk]
        assert_complete(result.signature, petition)
        assert result.signature.name == clean_text(signer.name)
        assert result.signature.wants_updates == signer.wants_updates


def test_an_email_that_is_only_valid_before_it_is_tidied_is_refused(http, petition):
    # The zero-width space is dropped from what is stored, which would leave "ada@.org".
    response = http.post(
        sign_url(petition), {"name": "Ada", "postcode": "CR0 1NY", "email": "ada@\u200b.org"}
    )

    assert response.status_code == 200
    assert "Enter an email address in the correct format" in visible_text(response)
    assert not Signature.objects.exists()
    with pytest.raises(ApplicationError):
        services.sign(
            petition=petition,
            signer=SignerDetails(name="Ada", postcode="CR0 1NY", email="ada@\u200b.org"),
        )


def test_an_address_of_invisible_characters_only_asks_for_an_address_or_postcode(http, petition):
    response = http.post(sign_url(petition), {"name": "Ada", "address": "\u200b\u200f\ufeff"})

    assert response.status_code == 200
    assert "Enter your address or postcode" in visible_text(response)
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"name": "A" * 201, "postcode": "CR0 1NY"}, "200 characters or fewer"),
        ({"name": "Ada", "address": "A" * 501}, "500 characters or fewer"),
        ({"name": "Ada", "postcode": "CR0 1NY", "email": "not an email"}, "correct format"),
        ({"name": "Ada", "postcode": "CR0 1NY", "email": "a" * 250 + "@e.org"}, "correct format"),
    ],
    ids=["long name", "long address", "bad email", "long email"],
)
def test_sign_refuses_what_the_form_would_refuse_when_called_directly(petition, details, message):
    with pytest.raises(ApplicationError, match=message):
        services.sign(petition=petition, signer=SignerDetails(**details))
    assert not Signature.objects.exists()


def test_the_row_checks_accept_a_plain_signature_and_catch_an_untidy_one(petition):
    # The properties above would prove nothing if these checks passed or failed everything.
    result = services.sign(
        petition=petition,
        signer=SignerDetails(
            name=" Ada  Lovelace ", address="12 Acacia Avenue\r\nCroydon", email="Ada@Example.org"
        ),
        ip_hash="f" * 32,
    )
    assert_complete(result.signature, petition)

    untidy = SignatureFactory(petition=petition, name="Ada\x07 Lovelace ", ip_hash="f" * 32)
    with pytest.raises(AssertionError):
        assert_complete(untidy, petition)
