"""A database outage gives a 503 with Retry-After ("busy, nothing was saved"), not a 500.

The outage is real: a database connection to a port where nothing listens, which fails the
way a restarting PostgreSQL does. It is raised once from a view and once from a middleware,
since Django turns each layer's exceptions into responses on their own. The whole run against
a PostgreSQL that restarts under load is tests/system/test_postgres_restart.py.
"""

from __future__ import annotations

import json
import socket

import pytest
from django.db import OperationalError, connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from undersigned.config import urls as config_urls
from undersigned.config.settings.environment import database_config
from undersigned.site import outages


def unreachable_database():
    """A PostgreSQL connection to a local port nobody listens on: connecting fails at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = connections.configure_settings(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": "127.0.0.1",
                "PORT": port,
                "NAME": "nowhere",
                "USER": "nobody",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )["default"]
    return load_backend(config["ENGINE"]).DatabaseWrapper(config, alias="unreachable")


def query_the_unreachable_database() -> None:
    database = unreachable_database()
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        database.close()


def outage_view(request: HttpRequest) -> HttpResponse:
    query_the_unreachable_database()
    return HttpResponse("not reached")


def broken_view(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug, not an outage")


class UnreachableDatabaseMiddleware:
    """Reaches for the database before any view runs, as a session or site lookup might."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/middleware-outage"):
            query_the_unreachable_database()
        return self.get_response(request)


# This module is the URLconf of the tests below: the project's own handler500 in front of a
# few views that fail, then the project's URLs.
handler500 = config_urls.handler500
urlpatterns = [
    path("outage/", outage_view),
    path("petitions/outage.json", outage_view),
    path("broken/", broken_view),
    *config_urls.urlpatterns,
]

# The database mark lets the unreachable connection try (pytest-django blocks any otherwise).
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def client() -> Client:
    # A browser's view of a failure: the response, not the exception re-raised in the test.
    return Client(raise_request_exception=False)


def test_the_project_answers_server_errors_with_the_outage_aware_handler():
    assert config_urls.handler500 == "undersigned.site.outages.server_error"


def test_the_unreachable_database_fails_the_way_a_stopped_postgresql_does():
    with pytest.raises(OperationalError):
        query_the_unreachable_database()


def test_a_page_the_database_cannot_serve_is_a_503_saying_nothing_was_saved(client):
    response = client.post("/outage/", {"name": "Ada Lovelace", "postcode": "CR0 1NY"})

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert str(outages.BUSY_MESSAGE) in page
    assert "nothing you typed was saved" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
    assert "<style" not in page  # the Content-Security-Policy allows no inline styles


def test_a_json_endpoint_the_database_cannot_serve_answers_503_in_json(client):
    response = client.get("/petitions/outage.json")

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == {
        "error": "unavailable",
        "message": str(outages.BUSY_MESSAGE),
        "retry_after": outages.RETRY_AFTER_SECONDS,
    }


def test_an_outage_met_inside_a_middleware_is_a_503_too(settings):
    # After the session middleware: an outer layer has already wrapped this one's errors.
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        f"{__name__}.UnreachableDatabaseMiddleware",
    )
    with override_settings(MIDDLEWARE=middleware):
        response = Client(raise_request_exception=False).get("/middleware-outage/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert "nothing you typed was saved" in response.content.decode()


def test_an_error_that_is_not_an_outage_is_still_a_500(client):
    response = client.get("/broken/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_an_outage_is_recognised_behind_the_error_it_caused():
    try:
        try:
            query_the_unreachable_database()
        except OperationalError as outage:
            raise RuntimeError("rendering failed") from outage
    except RuntimeError as error:
        caused = error

    assert outages.is_database_outage(caused)
    assert not outages.is_database_outage(RuntimeError("rendering failed"))
    assert not outages.is_database_outage(None)


def test_postgresql_connections_are_kept_and_checked_before_reuse(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.example.org:5432/undersigned")
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)

    config = database_config(tmp_path / "unused.sqlite3")

    # A connection broken by a restart is noticed and replaced on the next request.
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["CONN_MAX_AGE"] > 0
