"""A WSGI environ for a request a browser would send, for tests that call a WSGI app directly."""

from __future__ import annotations

import io
import sys


def wsgi_environ(*, method: str, path: str, body: bytes, cookie: str, content_type: str) -> dict:
    """The environ a WSGI server gives for ``method`` ``path`` with ``body`` from one client."""
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_COOKIE": f"csrftoken={cookie}",
        "HTTP_ORIGIN": "http://testserver",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
