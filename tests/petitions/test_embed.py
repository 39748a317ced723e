"""The sign form on other sites: the embed page, who may frame it, its own check of where a
form comes from (no CSRF cookie in a third-party frame), and the snippet in the editor."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Site

from tests.factories import PetitionPageFactory, sign_url
from tests.html_forms import find_form, form_submit, form_submit_on, page_forms
from undersigned.petitions.models import PetitionPage, PetitionState, Signature
from undersigned.site.models import SiteSettings
from undersigned.speed.caching import forget_everything
from undersigned.speed.sign_fast_path import SIGN_PATH

pytestmark = pytest.mark.django_db

OURS = "http://testserver"
PARTNER = "https://partner.example.org"
ELSEWHERE = "https://attacker.example.net"


def embed_url(petition: PetitionPage) -> str:
    return reverse("petitions:embed", kwargs={"slug": petition.slug})


def embed_sign_url(petition: PetitionPage) -> str:
    return reverse("petitions:embed_sign", kwargs={"slug": petition.slug})


def frame_ancestors(response) -> str:
    return re.search(r"frame-ancestors ([^;]*)", response["Content-Security-Policy"])[1]


def site_settings() -> SiteSettings:
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


@pytest.fixture
def browser():
    """Checks CSRF as a browser's requests are checked; inside the frame it sends our Origin."""
    return Client(enforce_csrf_checks=True, HTTP_ORIGIN=OURS)


@pytest.fixture
def partnered(home):
    return PetitionPageFactory(embed_origins=PARTNER)


def embed_sign(client, petition, data):
    """Fill in the form the embed renders (the one posting to the embed's own address)."""
    return form_submit(client, embed_url(petition), data, action=embed_sign_url(petition))


# The page


def test_the_embed_shows_the_count_statement_form_and_privacy_promise_without_the_site_chrome(
    browser, partnered
):
    html = browser.get(embed_url(partnered)).content.decode()

    assert "0</strong> signatures" in html
    assert partnered.statement in html
    assert 'class="privacy-promise"' in html
    assert 'class="site-header"' not in html and 'class="site-footer"' not in html
    form = find_form(html, embed_url(partnered))
    assert form.action.endswith(embed_sign_url(partnered) + "#sign")
    assert "csrfmiddlewaretoken" not in dict(form.fields)


def test_the_embed_form_has_the_petition_pages_numbered_questions_and_consent_wording(
    browser, partnered
):
    def questions(html: str) -> list[str]:
        return re.findall(r'question__number" aria-hidden="true">(\d)<', html)

    def consent(html: str) -> str:
        return re.search(r'<label for="id_wants_updates">([^<]*)</label>', html)[1]

    embedded = browser.get(embed_url(partnered)).content.decode()
    page = browser.get(partnered.url).content.decode()

    assert questions(embedded) == questions(page) == ["1", "2", "3"]
    assert consent(embedded) == consent(page)


def test_links_that_leave_the_form_open_a_new_tab(browser, partnered):
    html = browser.get(embed_url(partnered)).content.decode()

    privacy = re.search(r'<a href="/privacy/[^"]*"([^>]*)>', html)[1]
    assert 'target="_blank"' in privacy and 'rel="noopener"' in privacy
    assert f'href="http://testserver{partnered.url}" target="_blank" rel="noopener"' in html


def test_the_petition_page_keeps_its_own_form_with_the_csrf_token(browser, partnered):
    form = find_form(browser.get(partnered.url).content.decode(), partnered.url)

    assert form.action.endswith(sign_url(partnered) + "#sign")
    assert "csrfmiddlewaretoken" in dict(form.fields)


def test_an_unknown_or_unpublished_petition_has_no_embed(browser, home):
    draft = PetitionPageFactory(live=False)

    assert browser.get("/petitions/no-such-petition/embed/").status_code == 404
    assert browser.get(embed_url(draft)).status_code == 404


def test_a_petition_asking_for_proof_of_work_gets_the_check_in_the_embed_too(browser, home):
    petition = PetitionPageFactory(proof_of_work_required=True, embed_origins=PARTNER)

    html = browser.get(embed_url(petition)).content.decode()

    assert f'data-proof-of-work="{reverse("abuse:challenge")}"' in html
    assert "abuse/proof-of-work.js" in html


def test_the_embed_is_shared_for_as_briefly_as_a_public_page(settings, browser, partnered):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 2

    cache_control = browser.get(embed_url(partnered))["Cache-Control"]

    assert {part.strip() for part in cache_control.split(",")} == {"public", "max-age=2"}


# Who may frame it


def test_the_origins_listed_on_the_petition_may_frame_the_embed(browser, home):
    petition = PetitionPageFactory(embed_origins=f"{PARTNER}\nhttp://localhost:8123")

    response = browser.get(embed_url(petition))

    assert frame_ancestors(response) == f"{PARTNER} http://localhost:8123"
    assert "X-Frame-Options" not in response
    # Otherwise the public policy as ever.
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_the_origins_listed_for_the_whole_site_are_added_to_the_petitions_own(browser, home):
    settings_row = site_settings()
    settings_row.embed_origins = f"https://everyone.example.org\n{PARTNER}"
    settings_row.save()
    petition = PetitionPageFactory(embed_origins=PARTNER)

    response = browser.get(embed_url(petition))

    assert frame_ancestors(response) == f"{PARTNER} https://everyone.example.org"


def test_with_no_origin_listed_nobody_may_frame_the_embed(browser, petition):
    response = browser.get(embed_url(petition))

    assert frame_ancestors(response) == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_every_other_page_still_refuses_every_frame(browser, partnered):
    for url in (partnered.url, partnered.thank_you_url, "/"):
        response = browser.get(url)
        assert frame_ancestors(response) == "'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_a_line_saved_without_the_forms_checks_never_reaches_the_header(browser, home):
    petition = PetitionPageFactory()
    PetitionPage.objects.filter(pk=petition.pk).update(
        embed_origins=f"{PARTNER}\nhttps://x.org; script-src *\nnot an origin"
    )

    assert frame_ancestors(browser.get(embed_url(petition))) == PARTNER


def test_a_kept_copy_of_the_embed_keeps_its_framing_headers(settings, browser, partnered):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 60
    first = browser.get(embed_url(partnered))
    PetitionPage.objects.filter(pk=partnered.pk).update(title="Changed behind the cache")

    second = Client().get(embed_url(partnered))

    assert "Changed behind the cache" not in second.content.decode()  # the copy it is
    assert frame_ancestors(second) == frame_ancestors(first) == PARTNER
    assert "X-Frame-Options" not in second
    assert "Set-Cookie" not in second


# Origins in the editor


def petition_edit(admin_client, petition, data: dict):
    """Publish the editor's page form (the page has a second form posting to its address)."""
    edit = reverse("wagtailadmin_pages:edit", args=[petition.pk])
    html = admin_client.get(edit).content.decode()
    [form] = [form for form in page_forms(html, edit) if "embed_origins" in dict(form.fields)]
    values = {**form.values(), **data, "action-publish": "action-publish"}
    return admin_client.post(form.action, values)


def test_the_organiser_lists_origins_in_the_editor_and_they_are_saved_normalised(
    admin_client, petition
):
    response = petition_edit(
        admin_client, petition, {"embed_origins": "https://Partner.Example.org/\r\n"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    petition.refresh_from_db()
    assert petition.embed_origins == PARTNER


def test_a_wrong_origin_in_the_editor_is_explained_and_what_was_typed_stays(admin_client, petition):
    typed = "partner.example.org\r\nhttp://plain.example.org"

    response = petition_edit(admin_client, petition, {"embed_origins": typed})

    html = response.content.decode().replace("\r\n", "\n")
    assert response.status_code == 200
    assert "“partner.example.org” is not a web address" in html
    assert "“http://plain.example.org” must start with https://" in html
    assert "partner.example.org\nhttp://plain.example.org</textarea>" in html
    petition.refresh_from_db()
    assert petition.embed_origins == ""


def test_the_organiser_lists_origins_for_the_whole_site_in_the_site_settings(admin_client, home):
    url = reverse("wagtailsettings:edit", args=["site", "sitesettings"])
    page = admin_client.get(url, follow=True)
    action = page.request["PATH_INFO"]

    refused = form_submit_on(admin_client, page, {"embed_origins": "nonsense"}, action=action)
    saved = form_submit(admin_client, action, {"embed_origins": "HTTPS://Everyone.Example.org"})

    assert "“nonsense” is not a web address" in refused.content.decode()
    assert saved.status_code == 302
    assert site_settings().embed_origins == "https://everyone.example.org"


def test_the_editor_shows_the_snippet_to_copy_with_the_petitions_address(admin_client, home):
    petition = PetitionPageFactory(title='Save the "Old" Baths & Pool')

    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[petition.pk])).content
    html = html.decode()

    snippet = re.search(r'<textarea [^>]*class="embed-snippet"[^>]*>([^<]*)</textarea>', html)[1]
    assert snippet.startswith(
        f"&lt;iframe src=&quot;http://localhost/petitions/{petition.slug}/embed/&quot;"
    )
    # Escaped once for the snippet, once for the text box: copied, it is valid HTML.
    assert "Save the &amp;quot;Old&amp;quot; Baths &amp;amp; Pool" in snippet
    assert "loading=&quot;lazy&quot;" in snippet
    assert "Only the sites listed above" in html


# Signing in the frame


def test_signing_in_the_frame_stores_the_signature_and_shows_the_thank_you_there(
    browser, partnered
):
    response = embed_sign(browser, partnered, {"name": "Ada Lovelace", "postcode": "cr0 1ny"})

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "petitions:embed_thank_you", kwargs={"slug": partnered.slug}
    )
    assert frame_ancestors(response) == PARTNER  # the redirect is answered in the frame too
    signature = Signature.objects.get()
    assert (signature.petition_id, signature.postcode) == (partnered.pk, "CR0 1NY")

    forget_everything()  # the count kept for seconds (with production's caches) runs out
    thanks = browser.get(response["Location"])
    html = thanks.content.decode()
    assert "Thank you for signing" in html
    assert "<strong>1</strong> signature" in html
    full = f"http://testserver{partnered.thank_you_url}"
    assert f'href="{full}" target="_blank" rel="noopener"' in html
    assert frame_ancestors(thanks) == PARTNER and "X-Frame-Options" not in thanks


def test_a_mistake_shows_the_embed_again_with_the_message_and_what_was_typed(browser, partnered):
    response = embed_sign(
        browser,
        partnered,
        {"name": "Ada Lovelace", "postcode": "not a postcode", "email": "ada@example.org"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'value="Ada Lovelace"' in html and 'value="ada@example.org"' in html
    assert 'value="not a postcode"' in html
    assert 'class="site-header"' not in html  # the embed, not the petition page
    assert frame_ancestors(response) == PARTNER
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state": PetitionState.CLOSED}, "This petition is closed"),
        ({"signing_paused": True, "signing_paused_message": "Back on Monday."}, "Back on Monday."),
    ],
    ids=["closed", "paused"],
)
def test_a_petition_that_takes_no_signatures_says_so_in_the_frame(
    browser, partnered, changes, message
):
    page = browser.get(embed_url(partnered))  # the form as a visitor had it
    PetitionPage.objects.filter(pk=partnered.pk).update(**changes)
    sent = form_submit_on(browser, page, {"name": "Ada", "postcode": "CR0 1NY"})
    forget_everything()  # the copy of the embed kept for seconds (production's caches) runs out

    shown = browser.get(embed_url(partnered))

    assert message in shown.content.decode() and 'class="sign-form"' not in shown.content.decode()
    assert sent.status_code == 409
    assert message in sent.content.decode()
    assert frame_ancestors(sent) == PARTNER
    assert not Signature.objects.exists()


# Where the embedded form may come from


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": ELSEWHERE},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "https://testserver"},  # another scheme is another origin
        {"HTTP_ORIGIN": ELSEWHERE, "HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_ORIGIN": ELSEWHERE, "HTTP_REFERER": f"{OURS}/petitions/"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_REFERER": f"{ELSEWHERE}/petitions/"},
        {},
    ],
    ids=[
        "foreign-origin",
        "opaque-origin",
        "other-scheme",
        "origin-decides-over-fetch-metadata",
        "origin-decides-over-referer",
        "cross-site",
        "same-site",
        "foreign-referer",
        "nothing-said",
    ],
)
def test_an_embedded_form_not_sent_from_this_site_is_refused_with_the_csrf_page(
    partnered, valid_form_data, headers
):
    response = Client().post(embed_sign_url(partnered), valid_form_data, **headers)

    assert response.status_code == 403
    assert "Sorry, your form could not be sent" in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": OURS},
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_REFERER": f"{OURS}/petitions/x/embed/"},
    ],
    ids=["origin", "fetch-metadata", "referer"],
)
def test_an_embedded_form_sent_from_this_site_needs_no_csrf_cookie(
    partnered, valid_form_data, headers
):
    response = Client(enforce_csrf_checks=True).post(
        embed_sign_url(partnered), valid_form_data, **headers
    )

    assert response.status_code == 302
    assert Signature.objects.count() == 1


def test_the_petition_pages_own_form_still_needs_djangos_csrf_token(partnered, valid_form_data):
    foreign = Client(enforce_csrf_checks=True).post(
        sign_url(partnered), valid_form_data, HTTP_ORIGIN=ELSEWHERE
    )
    ours_without_token = Client(enforce_csrf_checks=True).post(
        sign_url(partnered), valid_form_data, HTTP_ORIGIN=OURS
    )

    assert foreign.status_code == ours_without_token.status_code == 403
    assert not Signature.objects.exists()


def test_the_sign_fast_path_leaves_the_embedded_form_to_django(partnered):
    assert SIGN_PATH.match(sign_url(partnered))
    assert not SIGN_PATH.match(embed_sign_url(partnered))


def test_other_methods_at_the_embed_sign_address_are_refused(browser, partnered):
    assert browser.put(embed_sign_url(partnered)).status_code == 405
    assert browser.get(embed_sign_url(partnered))["Location"] == embed_url(partnered)
