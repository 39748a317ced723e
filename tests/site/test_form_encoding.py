"""A form POST in a character set Django cannot read gets the 400 page, never a 500.

Django reads urlencoded forms only as UTF-8; ``charset=latin-1`` made every read of
``request.POST`` raise, the error pages' own CSRF check included, and gunicorn answered with a
bare 500. Any 32-character ``csrftoken`` cookie gets a request that far, so anyone could.
"""

from __future__ import annotations

import logging

import pytest
from django.core import signals
from django.core.exceptions import BadRequest
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client, RequestFactory

from tests.factories import ContactPageFactory, sign_url
from tests.wsgi_environ import wsgi_environ
from undersigned.site.outages import server_error
from undersigned.site.views import bad_request
from undersigned.speed.sign_fast_path import SignFastPath

pytestmark = pytest.mark.django_db

LATIN_1_FORM = "application/x-www-form-urlencoded; charset=latin-1"
BODY = "name=Ren%E9e&postcode=CR0+1NY&csrfmiddlewaretoken=" + "b" * 32
BAD_REQUEST_PAGE = "Sorry, we could not read what was sent"


def errors_logged(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.fixture
def form_paths(petition) -> dict[str, str]:
    return {
        "sign form": sign_url(petition),
        "admin sign-in": "/admin/login/",
        "contact form": ContactPageFactory().url,
    }


@pytest.mark.parametrize("form", ["sign form", "admin sign-in", "contact form"])
def test_a_form_posted_in_latin_1_gets_the_400_page_and_no_error_is_logged(
    form, form_paths, caplog
):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "a" * 32
    with caplog.at_level(logging.INFO):
        response = client.post(form_paths[form], data=BODY, content_type=LATIN_1_FORM)
    assert response.status_code == 400
    assert BAD_REQUEST_PAGE in response.content.decode()
    assert errors_logged(caplog) == []


@pytest.fixture
def connection_kept():
    """As Django's test client does: the test's database connection outlives the request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_sign_fast_path_leaves_a_latin_1_form_to_django_which_answers_400(
    petition, connection_kept, caplog
):
    body = BODY.encode()
    environ = wsgi_environ(
        method="POST",
        path=sign_url(petition),
        body=body,
        cookie="a" * 32,
        content_type=LATIN_1_FORM,
    )
    statuses = []
    app = SignFastPath(WSGIHandler())
    assert app.enabled
    with caplog.at_level(logging.INFO):
        response = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
        page = b"".join(response).decode()
        response.close()
    assert statuses == ["400 Bad Request"]
    assert BAD_REQUEST_PAGE in page
    assert errors_logged(caplog) == []


def unreadable_post():
    request = RequestFactory().post("/contact/", data=BODY, content_type=LATIN_1_FORM)
    with pytest.raises(BadRequest):
        request.POST  # noqa: B018 (reading it is the point)
    return request


def test_the_400_page_renders_without_reading_a_body_that_cannot_be_read(home):
    response = bad_request(unreadable_post(), BadRequest("unreadable"))
    assert response.status_code == 400
    assert BAD_REQUEST_PAGE in response.content.decode()


def test_the_500_page_renders_without_reading_a_body_that_cannot_be_read(home):
    request = unreadable_post()
    try:
        raise RuntimeError("a bug in a view")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
