"""A form in a character set Django cannot read gets the 400 page from the real server.

Over HTTP against ``undersigned serve``: a POST with ``charset=latin-1`` and any
32-character ``csrftoken`` cookie, to the sign form (taken first by the sign fast path), the
admin sign-in and the contact form, used to get gunicorn's bare 500 and several tracebacks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.servers import (
    SIGN_PATH,
    Server,
    exchange,
    sqlite_site_environment,
)

CONTACT_PATH = "/contact-us/"  # the demo's contact page (undersigned.contact.demo)
BAD_REQUEST_PAGE = "Sorry, we could not read what was sent"


@pytest.fixture(scope="module")
def sqlite_environment(tmp_path_factory, static_root) -> dict[str, str]:
    """A migrated SQLite demo site, made before the test's time limit starts."""
    return sqlite_site_environment(tmp_path_factory.mktemp("bad-requests"), static_root=static_root)


@pytest.fixture
def server(sqlite_environment, tmp_path) -> Iterator[Server]:
    server = Server(sqlite_environment, log_dir=tmp_path, name="server")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("path", [SIGN_PATH, "/admin/login/", CONTACT_PATH])
def test_a_form_posted_in_latin_1_gets_the_400_page_and_no_traceback(server, path):
    assert exchange(server.port, "GET", path.removesuffix("sign/")).status == 200
    reply = exchange(
        server.port,
        "POST",
        path,
        body=b"name=Ren%E9e&csrfmiddlewaretoken=" + b"b" * 32,
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=latin-1",
            "Cookie": "csrftoken=" + "a" * 32,
            "Origin": server.base,
        },
    )
    assert reply.status == 400
    assert BAD_REQUEST_PAGE in reply.text
    log = server.log_tail(characters=100_000)
    assert "Traceback" not in log
    assert "ERROR" not in log
