"""The whole-page cache: anonymous visitors share a copy of a public page for a few seconds.

Tests see whether a page came from the cache by changing it in the database without the
signals an edit in the CMS sends: a copy still shows the old text, a fresh page the new.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import PetitionPageFactory
from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.site.security import CSPNonce
from undersigned.speed.page_cache import PageCacheMiddleware

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def page_cache(settings):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 60
    return settings


def retitle(petition: PetitionPage, title: str) -> None:
    """Change the live title behind the cache's back (no publish signal)."""
    PetitionPage.objects.filter(pk=petition.pk).update(title=title)


def form_token(response) -> str:
    return TOKEN.search(response.content.decode())[1]


def secret_of(token: str) -> str:
    return _unmask_cipher_token(token)


@pytest.mark.django_db
def test_a_second_anonymous_visitor_gets_the_copy_made_for_the_first(page_cache, petition):
    first = Client().get(petition.url)
    retitle(petition, "Changed since the copy was made")
    second = Client().get(petition.url)

    assert first.status_code == second.status_code == 200
    assert petition.title in second.content.decode()
    assert "Changed since the copy was made" not in second.content.decode()


@pytest.mark.django_db
def test_with_zero_seconds_every_visitor_gets_a_fresh_page(settings, petition):
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 0
    Client().get(petition.url)
    retitle(petition, "Changed and shown at once")

    assert "Changed and shown at once" in Client().get(petition.url).content.decode()


@pytest.mark.django_db
def test_each_visitor_of_a_copy_gets_their_own_csrf_token_and_cookie(page_cache, petition):
    first, second = Client(), Client()
    first_page = first.get(petition.url)
    retitle(petition, "Not in the copy")
    second_page = second.get(petition.url)

    assert "Not in the copy" not in second_page.content.decode()  # it was the copy

    first_cookie = first_page.cookies["csrftoken"].value
    second_cookie = second_page.cookies["csrftoken"].value
    assert first_cookie != second_cookie
    assert secret_of(form_token(first_page)) == first_cookie
    assert secret_of(form_token(second_page)) == second_cookie
    assert "Cookie" in second_page["Vary"]


@pytest.mark.django_db
def test_the_cookie_of_a_copy_is_set_as_csrf_middleware_sets_it(page_cache, settings, petition):
    settings.CSRF_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SAMESITE = "Strict"
    settings.CSRF_COOKIE_AGE = 3600
    Client().get(petition.url)
    retitle(petition, "Not in the copy")
    copy = Client().get(petition.url)
    cookie = copy.cookies["csrftoken"]

    assert "Not in the copy" not in copy.content.decode()
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["max-age"] == 3600
    assert cookie["path"] == settings.CSRF_COOKIE_PATH
    assert not cookie["httponly"]


@pytest.mark.django_db
def test_a_visitor_who_has_a_csrf_cookie_gets_a_token_for_it_from_a_copy(page_cache, petition):
    Client().get(petition.url)
    retitle(petition, "Not in the copy")
    returning = Client()
    returning.cookies["csrftoken"] = "a" * 32

    page = returning.get(petition.url)

    assert "Not in the copy" not in page.content.decode()
    assert secret_of(form_token(page)) == "a" * 32
    assert page.cookies["csrftoken"].value == "a" * 32  # renewed, as on a fresh page


@pytest.mark.django_db
def test_a_copy_of_a_page_without_a_form_sets_no_csrf_cookie(page_cache, petition):
    thank_you = petition.url + "thank-you/"
    Client().get(thank_you)
    retitle(petition, "Not in the copy")

    copy = Client().get(thank_you)

    assert copy.status_code == 200
    assert "Not in the copy" not in copy.content.decode()
    assert "csrftoken" not in copy.cookies


@pytest.mark.django_db
def test_the_form_of_a_copy_signs_with_csrf_checks_enforced(page_cache, petition, valid_form_data):
    Client().get(petition.url)  # makes the copy
    retitle(petition, "Not in the copy")
    signer = Client(enforce_csrf_checks=True)
    page = signer.get(petition.url)
    assert "Not in the copy" not in page.content.decode()

    response = signer.post(
        petition.url, {**valid_form_data, "csrfmiddlewaretoken": form_token(page)}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("/thank-you/")
    signature = Signature.objects.get(petition=petition)
    assert signature.state == SignatureState.COUNTED


@pytest.mark.django_db
def test_a_signed_in_editor_gets_a_fresh_page_and_leaves_no_copy(page_cache, petition):
    editor = Client()
    editor.force_login(get_user_model().objects.create_superuser("editor", "e@example.org"))
    Client().get(petition.url)  # an anonymous copy
    retitle(petition, "Seen by the editor at once")

    assert "Seen by the editor at once" in editor.get(petition.url).content.decode()

    other = PetitionPageFactory()
    editor.get(other.url)
    retitle(other, "Anonymous visitors see this too")
    assert "Anonymous visitors see this too" in Client().get(other.url).content.decode()


@pytest.mark.django_db
def test_a_form_sent_back_with_errors_is_never_served_to_others(page_cache, petition):
    response = Client().post(petition.url, {"name": "", "postcode": "not a postcode"})
    assert "There is a problem" in response.content.decode()

    assert "There is a problem" not in Client().get(petition.url).content.decode()


@pytest.mark.django_db
def test_a_missing_page_is_not_kept(page_cache, home):
    assert Client().get("/petitions/not-yet/").status_code == 404
    PetitionPageFactory(slug="not-yet")

    assert Client().get("/petitions/not-yet/").status_code == 200


@pytest.mark.django_db
def test_each_address_and_query_string_has_its_own_copy(page_cache, petition):
    Client().get(petition.url)
    retitle(petition, "Fresh for another query")

    assert "Fresh for another query" in Client().get(petition.url + "?ref=share").content.decode()


def _through_the_middleware(
    view, *, cookies: dict | None = None, page: bool = True
) -> tuple[int, int]:
    """(times the view ran, times it was asked for) for two visits through the cache.

    ``page``: the view stands for a Wagtail page (else for any other view).
    """
    calls = []

    def get_response(request):
        calls.append(request)
        request.csp_nonce = CSPNonce()
        name = "wagtail_serve" if page else "json"
        request.resolver_match = type("Match", (), {"url_name": name})()
        return view(request)

    middleware = PageCacheMiddleware(get_response)
    factory = RequestFactory()
    for _ in range(2):
        request = factory.get("/a-page/")
        request.COOKIES.update(cookies or {})
        middleware(request)
    return len(calls), 2


def _another_cookie(response: HttpResponse) -> None:
    response.set_cookie("tracking", "1")


def _private(response: HttpResponse) -> None:
    response["Cache-Control"] = "private"


def _varies_on_the_browser(response: HttpResponse) -> None:
    response["Vary"] = "Cookie, User-Agent"


@pytest.mark.parametrize(
    "personalise",
    [_another_cookie, _private, _varies_on_the_browser],
    ids=["sets another cookie", "private", "varies on more than cookies and language"],
)
def test_a_page_that_is_not_the_same_for_everyone_is_not_kept(page_cache, personalise):
    def view(request):
        response = HttpResponse("<p>Only for you</p>")
        personalise(response)
        return response

    assert _through_the_middleware(view) == (2, 2)


def test_a_page_that_used_a_csp_nonce_is_not_kept(page_cache):
    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    assert _through_the_middleware(view) == (2, 2)


def test_a_view_that_says_it_is_public_is_kept_for_no_longer_than_it_says(page_cache):
    def view_for(max_age: int):
        def view(request):
            response = HttpResponse('{"count": 1}', content_type="application/json")
            response["Cache-Control"] = f"public, max-age={max_age}"
            return response

        return view

    assert _through_the_middleware(view_for(60), page=False) == (1, 2)
    cache.clear()
    assert _through_the_middleware(view_for(0), page=False) == (2, 2)


def test_a_view_that_is_not_a_page_and_says_nothing_is_not_kept(page_cache):
    def view(request):
        return HttpResponse("<p>Search results</p>")

    assert _through_the_middleware(view, page=False) == (2, 2)


def test_a_plain_public_page_is_kept_and_a_session_cookie_bypasses_it(page_cache):
    def view(request):
        return HttpResponse("<p>Hello</p>")

    assert _through_the_middleware(view) == (1, 2)
    assert _through_the_middleware(view, cookies={"sessionid": "x"}) == (2, 2)
    assert _through_the_middleware(view, cookies={"messages": "x"}) == (2, 2)


@pytest.mark.django_db
def test_a_kept_copy_answers_a_conditional_request_as_the_view_would(page_cache, petition):
    card = reverse("petitions:share_card", kwargs={"slug": petition.slug})
    first = Client().get(card)
    assert first.status_code == 200 and first["ETag"]

    again = Client().get(card, headers={"If-None-Match": first["ETag"]})
    other = Client().get(card, headers={"If-None-Match": '"another-version"'})

    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert other.status_code == 200 and other.content == first.content
