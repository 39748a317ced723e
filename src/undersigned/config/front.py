"""What ``undersigned serve`` runs: each request read whole on an event loop, then given to Django.

gunicorn's sync workers read a request's headers and body in the worker itself, so a client
sending a byte every few seconds held a whole worker, and a handful of them stopped the site.
Here gunicorn's asyncio worker (``--worker-class asgi``) reads the headers and this front
reads the body, both without a thread: a slow client costs an open socket, not a worker.
Only once the request is complete does it go to the WSGI application (Django behind the
sign fast path, ``config/wsgi.py``) on the worker's one application thread, which runs one
request at a time, as a sync worker did: SQLite's write queue and each worker's one
database connection stay as they were. A body larger than ``MAX_BODY_BYTES`` gets a 413,
one not complete within ``BODY_SECONDS`` a 408, and neither reaches Django.

The answer is gathered in the application thread and written by the event loop, so a client
slow to read costs nothing either; an answer larger than ``STREAM_AFTER_BYTES`` (a hand-in
pack, a big download) is streamed from the thread instead of held in memory.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from undersigned.config.application_thread import ApplicationThread
from undersigned.config.wsgi import application as wsgi_application

# Larger than anything the site accepts (Wagtail's image uploads stop at 10 MB).
MAX_BODY_BYTES = 64 * 1024 * 1024
BODY_SECONDS = 60
# A body up to this size is kept in memory, a larger one in a temporary file.
SPOOL_BYTES = 1024 * 1024
STREAM_AFTER_BYTES = 1024 * 1024
NO_BODY_STATUSES = {204, 304}


class _Streamed(Exception):
    """The answer was sent from the application thread as it was produced."""


class BufferedFront:
    """An ASGI application that reads each request whole, then runs a WSGI application."""

    def __init__(self, application: Callable) -> None:
        self.application = application
        # One thread per worker process: requests run one at a time, as in a sync worker.
        self.thread = ApplicationThread()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed below)
        try:
            try:
                async with asyncio.timeout(BODY_SECONDS):
                    complete = await self._body_read(receive, body)
            except TimeoutError:
                await _plain_answer(send, 408, b"Request Timeout")
                return
            except _BodyTooLarge:
                await _plain_answer(send, 413, b"Request Entity Too Large")
                return
            if not complete:
                return  # the client went away
            body.seek(0)
            loop = asyncio.get_running_loop()
            environ = _environ(scope, body)
            try:
                status, headers, chunks = await self.thread.call(self._run, environ, send, loop)
            except _Streamed:
                return
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b"".join(chunks)})
        finally:
            body.close()

    @staticmethod
    async def _body_read(receive: Callable, body: Any) -> bool:
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _BodyTooLarge
            body.write(chunk)
            if not message.get("more_body"):
                return True

    def _run(
        self, environ: dict, send: Callable, loop: asyncio.AbstractEventLoop
    ) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
        """Run the WSGI application in the application thread; gather its answer, or stream
        it from here when it grows past ``STREAM_AFTER_BYTES``."""
        started: list = []

        def start_response(status: str, headers: list, exc_info=None) -> Callable:
            # Nothing is sent before the application returns, so a second call (with
            # exc_info, for an error page) simply replaces the first.
            started[:] = [
                int(status.split(" ", 1)[0]),
                [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in headers
                ],
            ]
            return chunks.append

        chunks: list[bytes] = []
        result: Iterable[bytes] = self.application(environ, start_response)
        try:
            size = 0
            iterator = iter(result)
            for chunk in iterator:
                chunks.append(chunk)
                size += len(chunk)
                if size > STREAM_AFTER_BYTES:
                    self._stream(started, chunks, iterator, send, loop)
                    raise _Streamed
            status, headers = started
            if status not in NO_BODY_STATUSES and not any(
                name == b"content-length" for name, _ in headers
            ):
                headers.append((b"content-length", str(size).encode()))
            # A HEAD gets the headers a GET would, and no body.
            return status, headers, [] if environ["REQUEST_METHOD"] == "HEAD" else chunks
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    @staticmethod
    def _stream(started, chunks, iterator, send, loop) -> None:
        def sent(message: dict) -> None:
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        sent({"type": "http.response.start", "status": started[0], "headers": started[1]})
        sent({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
        for chunk in iterator:
            if chunk:
                sent({"type": "http.response.body", "body": chunk, "more_body": True})
        sent({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _lifespan(receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


class _BodyTooLarge(Exception):
    pass


async def _plain_answer(send: Callable, status: int, text: bytes) -> None:
    headers = [(b"content-type", b"text/plain"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


def _environ(scope: dict, body: Any) -> dict:
    """The WSGI environ of an ASGI request, as gunicorn's sync worker would have built it."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    root_path = scope.get("root_path", "")
    path = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.encode().decode("latin-1"),
        # WSGI carries the path's UTF-8 bytes as latin-1 text.
        "PATH_INFO": path.encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0] if client else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
            name = f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


application = BufferedFront(wsgi_application)
