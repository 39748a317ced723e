"""The front ``undersigned serve`` runs: a request reaches the application only once it is
whole, a body too large or too slow never does, and any answer is sent whole and closed."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.config.loops import run_in_own_loop
from undersigned.config import front
from undersigned.config.front import BufferedFront

SCOPE = {
    "type": "http",
    "http_version": "1.1",
    "method": "POST",
    "scheme": "http",
    "path": "/petitions/a/sign/",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"text/plain")],
    "server": ("127.0.0.1", 8000),
    "client": ("203.0.113.9", 51000),
}


class Answer:
    """A WSGI application that notes what it was given and answers with ``chunks``."""

    def __init__(self, chunks=(b"thank you",)) -> None:
        self.chunks = list(chunks)
        self.bodies: list[bytes] = []
        self.closed = False

    def __call__(self, environ, start_response):
        self.bodies.append(environ["wsgi.input"].read())
        self.environ = environ
        start_response("303 See Other", [("Location", "/thank-you/")])
        return self

    def __iter__(self):
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def serve(application, chunks: list[bytes], *, pause: float = 0.0, hang: bool = False):
    """One request through the front; the body arrives in ``chunks``, ``pause`` s apart."""
    sent: list[dict] = []
    delivered: list[float] = []

    async def receive():
        if chunks:
            await asyncio.sleep(pause)
            chunk = chunks.pop(0)
            delivered.append(asyncio.get_running_loop().time())
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks) or hang}
        if hang:
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    run_in_own_loop(BufferedFront(application)(SCOPE, receive, send))
    return sent


def test_the_application_gets_the_request_only_once_its_body_has_all_arrived():
    application = Answer()
    sent = serve(application, [b"name=", b"Ada", b"&postcode=CR0+1NY"], pause=0.05)
    assert application.bodies == [b"name=Ada&postcode=CR0+1NY"]
    assert sent[0]["status"] == 303
    assert (b"location", b"/thank-you/") in sent[0]["headers"]
    assert (b"content-length", b"9") in sent[0]["headers"]
    assert sent[1]["body"] == b"thank you"
    assert application.closed


def test_the_environ_is_what_a_wsgi_server_gives():
    application = Answer()
    serve(application, [b"x"])
    environ = application.environ
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/petitions/a/sign/"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["HTTP_HOST"] == "127.0.0.1"
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert environ["SERVER_PORT"] == "8000"
    assert environ["wsgi.url_scheme"] == "http"


def test_a_body_over_the_limit_gets_413_and_never_reaches_the_application(monkeypatch):
    monkeypatch.setattr(front, "MAX_BODY_BYTES", 10)
    application = Answer()
    sent = serve(application, [b"0123456789", b"0"])
    assert sent[0]["status"] == 413
    assert application.bodies == []


def test_a_body_not_sent_whole_in_time_gets_408_and_never_reaches_the_application(
    monkeypatch,
):
    monkeypatch.setattr(front, "BODY_SECONDS", 0.2)
    application = Answer()
    sent = serve(application, [b"name=A"], hang=True)
    assert sent[0]["status"] == 408
    assert application.bodies == []


def test_a_client_that_leaves_before_its_body_is_sent_is_not_answered():
    application = Answer()
    sent = serve(application, [])
    assert sent == []
    assert application.bodies == []


def test_a_large_answer_is_streamed_from_the_application_thread_and_closed(monkeypatch):
    monkeypatch.setattr(front, "STREAM_AFTER_BYTES", 4)
    application = Answer(chunks=[b"abc", b"def", b"ghi"])
    sent = serve(application, [b"x"])
    assert sent[0]["type"] == "http.response.start"
    body = b"".join(message.get("body", b"") for message in sent[1:])
    assert body == b"abcdefghi"
    assert sent[-1].get("more_body", False) is False
    assert application.closed


@pytest.mark.parametrize("status", ["204 No Content", "304 Not Modified"])
def test_no_content_length_is_added_to_an_answer_without_a_body(status):
    def application(environ, start_response):
        start_response(status, [])
        return []

    sent = serve(application, [b""])
    assert all(name != b"content-length" for name, _ in sent[0]["headers"])


def test_a_head_request_gets_the_length_a_get_would_and_no_body():
    application = Answer()
    scope = {**SCOPE, "method": "HEAD"}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    run_in_own_loop(BufferedFront(application)(scope, receive, send))
    assert (b"content-length", b"9") in sent[0]["headers"]
    assert sent[1]["body"] == b""


def test_requests_run_one_at_a_time_in_the_one_application_thread():
    threads: list[str] = []
    running = []

    def application(environ, start_response):
        running.append(1)
        assert len(running) == 1, "two requests ran at once"
        threads.append(threading.current_thread().name)
        running.pop()
        start_response("200 OK", [])
        return [b"ok"]

    front_application = BufferedFront(application)
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async def twenty_at_once() -> None:
        await asyncio.gather(*(front_application(SCOPE, receive, send) for _ in range(20)))

    run_in_own_loop(twenty_at_once())
    assert [message["status"] for message in sent if "status" in message] == [200] * 20
    assert len(set(threads)) == 1
    assert threads[0] != threading.current_thread().name
