"""Origins organisers list for framing: checked, and kept in one form, with messages that say
how to write one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from undersigned.site.origins import origin_list_parse, origin_list_read, origin_normalise

PARTNER = "https://partner.example.org"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("https://Partner.Example.org", "https://partner.example.org"),
        ("  https://partner.example.org/  ", "https://partner.example.org"),
        ("https://partner.example.org:443", "https://partner.example.org"),
        ("https://partner.example.org:8443", "https://partner.example.org:8443"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("http://localhost:8123", "http://localhost:8123"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_an_origin_is_kept_in_one_form(written, kept):
    assert origin_normalise(written) == kept


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("partner.example.org", "is not a web address"),
        ("ftp://partner.example.org", "is not a web address"),
        ("https://partner.example.org/petitions/", "no page or path after it"),
        ("https://partner.example.org?x=1", "no page or path after it"),
        ("http://partner.example.org", "must start with https://"),
        ("https://user@partner.example.org", "is not a web address"),
        ("https://*.example.org", "is not a web address"),
        ("https://[::1]:8000", "is not a web address"),
        ("https://partner.example.org:99999", "is not a web address"),
        ("https://x.org; script-src *", "is not a web address"),
    ],
)
def test_what_is_not_an_origin_is_refused_with_a_message_saying_how_to_write_it(written, says):
    with pytest.raises(ValidationError) as refused:
        origin_normalise(written)

    assert says in refused.value.messages[0]
    assert written.strip() in refused.value.messages[0]


def test_a_list_names_every_line_that_is_wrong_and_drops_repeats_and_blank_lines():
    assert origin_list_parse(f"{PARTNER}\n\n{PARTNER.upper()}/\n") == [PARTNER]
    with pytest.raises(ValidationError) as refused:
        origin_list_parse("partner.example.org\nhttp://plain.example.org")
    assert len(refused.value.messages) == 2


def test_reading_a_stored_list_skips_what_is_not_an_origin():
    assert origin_list_read(f"{PARTNER}\nhttps://x.org; script-src *\n\nnonsense\n{PARTNER}") == [
        PARTNER
    ]
