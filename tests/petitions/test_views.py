"""The sign flow through HTTP: the petition page, the form, the thank-you page and the JSON."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

import pytest
from django.test import Client

from tests.factories import PetitionPageFactory, SignatureFactory, sign_url
from undersigned.petitions.forms import SignatureForm
from undersigned.petitions.models import PetitionState, Signature, SignatureState
from undersigned.petitions.services import SignMessages

HOSTILE_NAME = "<script>alert(1)</script>"


def page_text(response) -> str:
    return response.content.decode()


def assert_shows(response, text: str) -> None:
    """``text`` appears on the page as a person would read it (HTML-escaped in the source)."""
    assert escape(str(text)) in page_text(response)


def absolute(petition) -> str:
    return f"http://testserver{petition.url}"


@pytest.mark.django_db
def test_the_petition_page_shows_the_petition_the_form_and_the_privacy_promise(client, petition):
    response = client.get(petition.url)

    assert response.status_code == 200
    html = page_text(response)
    assert f"<h1>{petition.title}</h1>" in html
    assert petition.statement in html
    assert petition.target in html
    assert petition.organiser_name in html
    assert "<b>hundreds</b>" in html  # the story's rich text
    for number in (1, 2, 3):
        assert f"Question {number}:" in html
        assert f'<span class="question__number" aria-hidden="true">{number}</span>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Your privacy" in html
    assert "never handed in with the petition" in html


@pytest.mark.django_db
def test_the_petition_page_has_open_graph_and_twitter_card_tags_for_sharing(client, petition):
    html = page_text(client.get(petition.url))

    assert f'<meta property="og:title" content="{petition.title}">' in html
    assert f'<meta property="og:description" content="{escape(petition.summary)}">' in html
    assert f'<meta property="og:url" content="{absolute(petition)}">' in html
    assert '<meta property="og:type" content="website">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta name="twitter:title" content="{petition.title}">' in html
    assert f'<link rel="canonical" href="{absolute(petition)}">' in html


@pytest.mark.django_db
def test_the_petition_page_shows_the_count_and_the_progress_toward_the_goal(client, petition):
    for _ in range(25):
        SignatureFactory(petition=petition)

    html = page_text(client.get(petition.url))

    assert "<strong>25</strong> signatures" in html
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="25"' in html
    assert "progress__bar pct-25" in html
    assert "Goal: 100 signatures" in html


@pytest.mark.django_db
def test_signing_redirects_to_the_thank_you_page_and_stores_the_signature(
    client, petition, valid_form_data
):
    response = client.post(sign_url(petition), valid_form_data)

    assert response.status_code == 302
    assert response["Location"] == f"{petition.url}thank-you/"
    stored = Signature.objects.get()
    assert stored.name == "Ada Lovelace"
    assert stored.email == "ada@example.org"
    assert stored.postcode == "CR0 1NY"
    assert stored.state == SignatureState.COUNTED
    assert len(stored.ip_hash) == 32
    assert "127.0.0.1" not in stored.ip_hash


@pytest.mark.django_db
def test_ticking_the_updates_box_records_the_wording_shown_on_the_form(
    client, petition, valid_form_data
):
    form_html = page_text(client.get(petition.url))

    client.post(sign_url(petition), {**valid_form_data, "wants_updates": "on"})

    stored = Signature.objects.get()
    assert stored.wants_updates
    assert escape(stored.consent_text) in form_html


@pytest.mark.django_db
def test_the_thank_you_page_shows_thanks_the_count_and_ways_to_share(
    client, petition, valid_form_data
):
    response = client.post(sign_url(petition), valid_form_data, follow=True)

    assert response.redirect_chain == [(f"{petition.url}thank-you/", 302)]
    assert response.status_code == 200
    html = page_text(response)
    url = absolute(petition)
    assert "Thank you for signing" in html
    assert "<strong>1</strong> signature" in html
    assert 'aria-valuenow="1"' in html
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={quote(url, safe="")}"' in html
    assert 'href="https://x.com/intent/post?text=' in html
    assert f"&amp;url={quote(url, safe='')}" in html
    assert 'href="https://wa.me/?text=' in html
    assert f'href="mailto:?subject={quote(petition.title)}&amp;body=' in html
    for label in ("Share on Facebook", "Share on X", "Share on WhatsApp", "Share by email"):
        assert f"{label}</a>" in html
    assert f'<input id="petition-link" type="text" value="{url}" readonly>' in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", SignMessages.NAME_MISSING),
        ({"name": "   "}, "name", SignMessages.NAME_MISSING),
        ({"name": "A" * 201}, "name", SignMessages.NAME_TOO_LONG),
        ({"postcode": "XX1 1XX"}, "postcode", SignMessages.POSTCODE_INVALID),
        ({"postcode": "CR0 1NYZZZZZZZZZZZZZZ"}, "postcode", SignMessages.POSTCODE_INVALID),
        ({"email": "ada.example.org"}, "email", SignMessages.EMAIL_INVALID),
        ({"email": "ada@"}, "email", SignMessages.EMAIL_INVALID),
        ({"address": "", "postcode": ""}, "address", SignMessages.PLACE_MISSING),
        ({"email": "", "wants_updates": "on"}, "email", SignMessages.EMAIL_NEEDED_FOR_UPDATES),
        ({"address": "A" * 501}, "address", SignMessages.ADDRESS_TOO_LONG),
    ],
    ids=[
        "empty name",
        "blank name",
        "name of 201 characters",
        "invalid postcode",
        "overlong postcode",
        "email without @",
        "email without domain",
        "neither address nor postcode",
        "updates wanted without email",
        "address of 501 characters",
    ],
)
def test_a_bad_answer_gets_its_own_message_and_nothing_is_stored(
    client, petition, valid_form_data, changes, field, message
):
    data = {**valid_form_data, "address": "12 Acacia Avenue\nCroydon", **changes}

    response = client.post(sign_url(petition), data)

    assert response.status_code == 200
    assert not Signature.objects.exists()
    html = page_text(response)
    assert "There is a problem" in html
    assert f'<a href="#id_{field}">{escape(str(message))}</a>' in html
    assert f'<p class="field-error" id="id_{field}_error">' in html
    assert html.count('class="field-error"') == 1
    assert html.count('class="question question--error"') == 1
    assert "<title>Error: " in html


@pytest.mark.django_db
def test_the_form_comes_back_filled_in_with_everything_that_was_typed(client, petition):
    data = {
        "name": "Ada Lovelace",
        "address": "12 Acacia Avenue\nCroydon",
        "postcode": "not a postcode",
        "email": "Ada@Example.org",
        "wants_updates": "on",
    }

    html = page_text(client.post(sign_url(petition), data))

    assert 'value="Ada Lovelace"' in html
    assert ">\n12 Acacia Avenue\nCroydon</textarea>" in html
    assert 'value="not a postcode"' in html
    assert 'value="Ada@Example.org"' in html
    assert 'name="wants_updates" id="id_wants_updates" checked>' in html
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_name_too_long_comes_back_as_typed(client, petition, valid_form_data):
    long_name = "A" * 201

    html = page_text(client.post(sign_url(petition), {**valid_form_data, "name": long_name}))

    assert f'value="{long_name}"' in html


@pytest.mark.django_db
def test_an_unticked_updates_box_stays_unticked_after_an_error(client, petition):
    html = page_text(client.post(sign_url(petition), {"name": "Ada", "email": "bad"}))

    assert 'name="wants_updates" id="id_wants_updates">' in html


@pytest.mark.django_db
def test_a_duplicate_signer_sees_exactly_what_a_new_signer_sees_and_is_not_counted(
    client, petition, valid_form_data
):
    client.post(sign_url(petition), valid_form_data)
    newcomer = {"name": "Grace Hopper", "postcode": "SW1A 1AA", "email": "grace@example.org"}

    new_response = client.post(sign_url(petition), newcomer)
    new_thanks = client.get(new_response["Location"])
    repeat_response = client.post(
        sign_url(petition), {**valid_form_data, "email": "ADA@example.org"}
    )
    repeat_thanks = client.get(repeat_response["Location"])

    assert repeat_response.status_code == new_response.status_code == 302
    assert repeat_response["Location"] == new_response["Location"]
    assert repeat_response.content == new_response.content
    assert repeat_thanks.status_code == new_thanks.status_code == 200
    assert repeat_thanks.content == new_thanks.content
    assert "<strong>2</strong> signatures" in page_text(repeat_thanks)
    assert Signature.objects.filter(state=SignatureState.COUNTED).count() == 2
    assert Signature.objects.filter(state=SignatureState.DUPLICATE).count() == 1


@pytest.mark.django_db
def test_the_same_name_and_postcode_typed_differently_is_not_counted_twice(client, petition):
    client.post(sign_url(petition), {"name": "Ada Lovelace", "postcode": "CR0 1NY"})

    response = client.post(sign_url(petition), {"name": " ada  LOVELACE", "postcode": "cr01ny"})

    assert response["Location"] == f"{petition.url}thank-you/"
    assert "<strong>1</strong> signature" in page_text(client.get(response["Location"]))


@pytest.mark.django_db
@pytest.mark.parametrize("state", [PetitionState.CLOSED, PetitionState.HANDED_IN])
def test_signing_a_closed_petition_says_it_is_closed_and_stores_nothing(
    client, home, valid_form_data, state
):
    petition = PetitionPageFactory(state=state)

    response = client.post(sign_url(petition), valid_form_data)

    assert response.status_code == 409
    assert "This petition is closed" in page_text(response)
    assert "no longer taking signatures" in page_text(response)
    assert 'class="sign-form"' not in page_text(response)
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_closed_petition_page_shows_no_form(client, home):
    petition = PetitionPageFactory(state=PetitionState.CLOSED)

    response = client.get(petition.url)

    assert response.status_code == 200
    assert "This petition is closed" in page_text(response)
    assert 'class="sign-form"' not in page_text(response)


@pytest.mark.django_db
def test_an_unpublished_petition_cannot_be_seen_or_signed(client, home, valid_form_data):
    petition = PetitionPageFactory(live=False)

    assert client.get(petition.url).status_code == 404
    assert client.post(sign_url(petition), valid_form_data).status_code == 404
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_post_without_a_csrf_token_gets_a_friendly_page_and_stores_nothing(
    petition, valid_form_data
):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(sign_url(petition), valid_form_data)

    assert response.status_code == 403
    html = page_text(response)
    assert "Sorry, your form could not be sent" in html
    assert "make sure cookies are allowed for this website" in html
    assert "reload the page" in html
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_post_with_the_token_from_the_page_is_accepted_under_csrf_checks(
    petition, valid_form_data
):
    strict = Client(enforce_csrf_checks=True)
    strict.get(petition.url)
    token = strict.cookies["csrftoken"].value

    response = strict.post(sign_url(petition), {**valid_form_data, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Signature.objects.count() == 1


@pytest.mark.django_db
def test_a_three_megabyte_form_body_is_refused_without_a_server_error(petition):
    client = Client(raise_request_exception=False)
    body = "name=" + "A" * (3 * 1024 * 1024) + "&postcode=CR0+1NY"

    response = client.post(
        sign_url(petition), data=body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code in (400, 413)
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_three_megabyte_multipart_field_is_refused_without_a_server_error(petition):
    client = Client(raise_request_exception=False)
    response = client.post(
        sign_url(petition), {"name": "A" * (3 * 1024 * 1024), "postcode": "CR0 1NY"}
    )

    assert response.status_code in (400, 413)
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_null_character_in_the_form_gets_a_message_not_a_server_error(
    client, petition, valid_form_data
):
    response = client.post(sign_url(petition), {**valid_form_data, "name": "Ada\x00Lovelace"})

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_an_email_that_grows_when_lower_cased_past_its_limit_gets_a_message(client, petition):
    # "İ" lower-cases to two characters, so this 254-character address becomes 454.
    email = "\u0130" * 200 + "@" + "a" * 49 + ".org"

    response = client.post(
        sign_url(petition), {"name": "Ada", "postcode": "CR0 1NY", "email": email}
    )

    assert response.status_code == 200
    assert escape(str(SignMessages.EMAIL_INVALID)) in page_text(response)
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_a_name_that_grows_when_folded_can_still_sign(client, petition):
    response = client.post(sign_url(petition), {"name": "ß" * 200, "postcode": "CR0 1NY"})

    assert response.status_code == 302
    assert Signature.objects.get().name == "ß" * 200


@pytest.mark.django_db
def test_markup_in_a_name_is_escaped_when_the_form_comes_back(client, petition):
    html = page_text(client.post(sign_url(petition), {"name": HOSTILE_NAME, "email": "x"}))

    assert HOSTILE_NAME not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


@pytest.mark.django_db
def test_markup_in_a_name_is_stored_as_text_and_never_echoed_by_the_sign_flow(
    client, petition, valid_form_data
):
    response = client.post(
        sign_url(petition), {**valid_form_data, "name": HOSTILE_NAME}, follow=True
    )

    assert response.status_code == 200
    assert "Thank you for signing" in page_text(response)
    assert HOSTILE_NAME not in page_text(response)
    assert Signature.objects.get().name == HOSTILE_NAME
    assert HOSTILE_NAME not in page_text(client.get(petition.url))
    assert HOSTILE_NAME not in page_text(client.get(f"/petitions/{petition.slug}.json"))


@pytest.mark.django_db
def test_markup_in_the_address_and_email_is_escaped_when_the_form_comes_back(client, petition):
    html = page_text(
        client.post(
            sign_url(petition),
            {"name": "", "address": "</textarea>" + HOSTILE_NAME, "email": '"><b>x</b>'},
        )
    )

    assert HOSTILE_NAME not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    assert 'value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;"' in html


@pytest.mark.django_db
def test_the_json_describes_the_petition(client, petition):
    SignatureFactory(petition=petition)
    SignatureFactory(petition=petition, state=SignatureState.INVALIDATED)

    response = client.get(f"/petitions/{petition.slug}.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["title"] == petition.title
    assert data["statement"] == petition.statement
    assert data["target"] == petition.target
    assert data["state"] == "open"
    assert data["goal"] == 100
    assert data["signature_count"] == 1
    assert data["accepting_signatures"] is True
    assert data["url"] == absolute(petition)
    assert data["created_at"].startswith(str(petition.created_at.year))
    assert data["opened_at"] is not None
    assert data["closed_at"] is None


@pytest.mark.django_db
def test_the_json_of_a_closed_petition_says_when_it_closed(client, home):
    petition = PetitionPageFactory(state=PetitionState.CLOSED)

    data = client.get(f"/petitions/{petition.slug}.json").json()

    assert data["state"] == "closed"
    assert data["accepting_signatures"] is False
    assert data["closed_at"] is not None


@pytest.mark.django_db
def test_the_json_holds_no_personal_data_of_signers(client, petition):
    client.post(
        sign_url(petition),
        {
            "name": "Grace Brewster Hopper",
            "address": "7 Quayside Walk, Northfield",
            "postcode": "sw1a1aa",
            "email": "grace.hopper@example.org",
            "wants_updates": "on",
        },
    )
    assert Signature.objects.count() == 1

    response = client.get(f"/petitions/{petition.slug}.json")

    body = response.content.decode()
    for personal in ("Grace", "Hopper", "Quayside", "SW1A", "sw1a", "grace.hopper", "@"):
        assert personal not in body
    assert set(json.loads(body)) == {
        "title",
        "url",
        "statement",
        "target",
        "organiser",
        "state",
        "accepting_signatures",
        "goal",
        "signature_count",
        "paper_signature_count",
        "created_at",
        "opened_at",
        "closed_at",
        "closes_at",
        "signatures_by_ward",
        "signatures_by_constituency",
        "signatures_by_local_authority",
    }


@pytest.mark.django_db
def test_the_json_of_an_unknown_or_unpublished_petition_is_not_found(client, home):
    hidden = PetitionPageFactory(live=False)

    assert client.get("/petitions/no-such-petition.json").status_code == 404
    assert client.get(f"/petitions/{hidden.slug}.json").status_code == 404


@pytest.mark.django_db
def test_the_json_cannot_be_posted_to(client, petition):
    assert client.post(f"/petitions/{petition.slug}.json").status_code == 405


def test_the_sign_forms_limits_are_the_signature_columns(petition):
    form = SignatureForm(consent_text="Keep me up to date")

    for name in ("name", "address", "email"):
        assert form.fields[name].max_length == Signature._meta.get_field(name).max_length
    assert str(SignMessages.NAME_TOO_LONG).startswith(
        f"Your name must be {Signature._meta.get_field('name').max_length} "
    )
