"""The private parts of Django and Wagtail that the speed layer leans on are still there.

The sign fast path, the page and route caches, the SQLite write queue and the PostgreSQL
backend use attributes and methods that Django and Wagtail do not promise to keep. Each test
here checks one of them (that it exists, takes what our code passes, and does what our code
expects on a tiny example) and, when an upgrade changes it, fails with a message naming the
internal and the module of ours that relies on it, so the fix starts in the right place.
"""

from __future__ import annotations

import inspect
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.http import HttpResponse, HttpResponseForbidden
from django.http.request import HttpRequest, split_domain_port
from django.middleware.csrf import CsrfViewMiddleware
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils.functional import cached_property
from wagtail import views as wagtail_views
from wagtail.models import Page, PageViewRestriction, Site

FAST_PATH = "undersigned.speed.sign_fast_path"
ROUTING = "undersigned.speed.routing"
PAGE_CACHE = "undersigned.speed.page_cache"
WRITE_QUEUE = "undersigned.speed.write_queue"
POSTGRESQL = "undersigned.speed.postgresql.base"
SIGNATURE_INSERT = "undersigned.petitions.signature_insert"


def changed(internal: str, user: str, what: str) -> str:
    return f"Framework internal changed: {internal} ({what}); {user} relies on it: update it."


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_csrf_middleware_refuses_through_its_private_reject_method():
    internal = "django.middleware.csrf.CsrfViewMiddleware._reject"
    assert parameters(getattr(CsrfViewMiddleware, "_reject", None) or (lambda: None)) == [
        "self",
        "request",
        "reason",
    ], changed(internal, FAST_PATH, "gone, or no longer (self, request, reason)")

    class Quiet(CsrfViewMiddleware):
        def _reject(self, request, reason):
            return HttpResponseForbidden(b"quiet")

    check = Quiet(lambda request: HttpResponse())
    request = RequestFactory().post("/petitions/p/sign/", {"name": "A"})
    request._dont_enforce_csrf_checks = False
    check.process_request(request)
    refusal = check.process_view(request, lambda request: None, (), {})
    assert refusal is not None and refusal.content == b"quiet", changed(
        internal, FAST_PATH, "process_view no longer refuses through _reject"
    )


def test_a_request_keeps_the_body_it_has_read_in_its_private_body_attribute():
    internal = "django.http.HttpRequest._body"
    body = b"name=A&postcode=CR0+1NY"
    environ = (
        RequestFactory()
        .post("/petitions/p/sign/", body, content_type="application/x-www-form-urlencoded")
        .environ
    )
    environ["wsgi.input"] = io.BytesIO(body)
    request = WSGIRequest(environ)
    assert not hasattr(request, "_body"), changed(internal, FAST_PATH, "set before any read")
    assert request.POST["name"] == "A"
    assert request.body == body
    assert getattr(request, "_body", None) == body, changed(
        internal, FAST_PATH, "no longer holds the body once read"
    )


def test_a_request_reads_its_raw_host_through_a_private_method():
    internal = "django.http.HttpRequest._get_raw_host"
    assert parameters(getattr(HttpRequest, "_get_raw_host", None) or (lambda: None)) == ["self"], (
        changed(internal, ROUTING, "gone, or takes arguments")
    )
    request = RequestFactory().get("/", HTTP_HOST="example.org:8000")
    assert request._get_raw_host() == "example.org:8000", changed(
        internal, ROUTING, "no longer the Host header as sent"
    )
    assert split_domain_port("example.org:8000") == ("example.org", "8000"), changed(
        "django.http.request.split_domain_port", ROUTING, "no longer (domain, port)"
    )


@pytest.mark.django_db
def test_wagtail_keeps_the_site_of_a_request_in_its_private_wagtail_site_attribute(home):
    internal = "request._wagtail_site (wagtail.models.Site.find_for_request)"
    site = Site.objects.get(is_default_site=True)
    request = RequestFactory().get("/", HTTP_HOST="elsewhere.invalid")
    request._wagtail_site = site
    with CaptureQueriesContext(connection) as queries:
        found = Site.find_for_request(request)
    assert found is site and not queries, changed(
        internal, ROUTING, "a site set on the request is no longer used as it is"
    )
    fresh = RequestFactory().get("/")
    Site.find_for_request(fresh)
    assert getattr(fresh, "_wagtail_site", None) == site, changed(
        internal, ROUTING, "find_for_request no longer keeps its answer there"
    )


@pytest.mark.django_db
def test_wagtail_keeps_the_route_of_a_request_in_its_private_route_attribute(home, petition):
    internal = "request._wagtail_route_for_request (wagtail.models.Page.route_for_request)"
    other = Page.objects.get(pk=home.pk)
    request = RequestFactory().get(petition.url)
    request._wagtail_route_for_request = (other, [], {})
    with CaptureQueriesContext(connection) as queries:
        route = Page.route_for_request(request, petition.url)
    assert route == (other, [], {}) and not queries, changed(
        internal, ROUTING, "a route set on the request is no longer used as it is"
    )
    fresh = RequestFactory().get(petition.url)
    Page.route_for_request(fresh, petition.url)
    route = getattr(fresh, "_wagtail_route_for_request", None)
    assert route is not None and route[0].pk == petition.pk, changed(
        internal, ROUTING, "route_for_request no longer keeps its answer there"
    )


@pytest.mark.django_db
def test_wagtail_serves_pages_through_the_view_and_url_name_the_caches_look_for(petition):
    match = resolve(petition.url)
    assert match.func is wagtail_views.serve, changed(
        "wagtail.views.serve", ROUTING, "the page tree's URL no longer leads to this function"
    )
    assert match.url_name == "wagtail_serve", changed(
        "URL name 'wagtail_serve'", PAGE_CACHE, "the page tree's URL is named otherwise"
    )
    assert parameters(wagtail_views.serve) == ["request", "path"], changed(
        "wagtail.views.serve(request, path)", ROUTING, "no longer takes (request, path)"
    )


def served(page, url: str) -> bytes:
    """What Wagtail's serve view answers an anonymous visitor for ``page``, routed already."""
    request = RequestFactory().get(url)
    request.user, request.session = AnonymousUser(), SessionStore()
    request._wagtail_site = Site.objects.get(is_default_site=True)
    request._wagtail_route_for_request = (page, [], {})
    response = wagtail_views.serve(request, url)
    if hasattr(response, "render"):
        response.render()
    return response.content


@pytest.mark.django_db
def test_wagtail_checks_view_restrictions_through_the_pages_own_method(home):
    internal = "Page.get_view_restrictions (asked by Wagtail's check_view_restrictions hook)"
    assert callable(getattr(Page, "get_view_restrictions", None)), changed(
        internal, ROUTING, "gone"
    )
    PageViewRestriction.objects.create(
        page=home, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    password_form = b'name="password"'
    assert password_form in served(Page.objects.get(pk=home.pk).specific, home.url)
    # Replaced on the instance, as the route cache does for a page remembered as having no
    # restriction: Wagtail must then take the page's word for it.
    told = Page.objects.get(pk=home.pk).specific
    told.get_view_restrictions = PageViewRestriction.objects.none
    assert password_form not in served(told, home.url), changed(
        internal, ROUTING, "the serve view no longer asks the page's own method"
    )


def test_the_sqlite_backend_says_whether_its_database_is_in_memory():
    internal = "sqlite3 DatabaseWrapper.is_in_memory_db"
    method = getattr(SQLiteWrapper, "is_in_memory_db", None)
    assert method is not None and parameters(method) == ["self"], changed(
        internal, WRITE_QUEUE, "gone, or takes arguments"
    )
    assert SQLiteWrapper({**connection.settings_dict, "NAME": ":memory:"}).is_in_memory_db()
    assert not SQLiteWrapper(
        {**connection.settings_dict, "NAME": "signatures.sqlite3"}
    ).is_in_memory_db()


@pytest.mark.django_db
def test_a_database_connection_is_health_checked_through_the_method_our_backend_replaces():
    internal = "BaseDatabaseWrapper.close_if_health_check_failed"
    assert parameters(BaseDatabaseWrapper.close_if_health_check_failed) == ["self"], changed(
        internal, POSTGRESQL, "no longer takes only self"
    )
    calls = []

    class Counting(SQLiteWrapper):
        def close_if_health_check_failed(self):
            calls.append((self.health_check_enabled, self.health_check_done, self.connection))
            super().close_if_health_check_failed()

    wrapper = Counting({**connection.settings_dict, "NAME": ":memory:", "CONN_HEALTH_CHECKS": True})
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
        wrapper.close_if_unusable_or_obsolete()  # the end of a request
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        wrapper.close()
    assert calls and calls[-1][0] is True and calls[-1][1] is False, changed(
        internal, POSTGRESQL, "not called before a kept connection's first query"
    )
    pool = inspect.getattr_static(PostgreSQLWrapper, "pool", None)
    assert isinstance(pool, (property, cached_property)), changed(
        "postgresql DatabaseWrapper.pool", POSTGRESQL, "gone, or no longer a property"
    )


def test_the_page_cache_finds_the_messages_cookie_by_the_storage_class_name():
    assert CookieStorage.cookie_name == "messages", changed(
        "CookieStorage.cookie_name", PAGE_CACHE, "renamed or gone"
    )
    assert settings.SESSION_COOKIE_NAME


@pytest.mark.django_db
def test_a_model_instance_says_where_it_was_stored_in_its_private_state(petition):
    internal = "Model._state.adding / Model._state.db"
    assert petition._state.adding is False and petition._state.db == "default", changed(
        internal, SIGNATURE_INSERT, "no longer set on a saved instance"
    )
