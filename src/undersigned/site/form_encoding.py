"""A form posted in a character set other than UTF-8 is a bad request, answered at once.

Django reads ``application/x-www-form-urlencoded`` bodies only as UTF-8: with any other
``charset`` in the ``Content-Type``, reading ``request.POST`` raises ``BadRequest`` — and
raises it again every time anything reads it, the CSRF check of Django's error pages included,
so one such POST used to end in a bare 500 from gunicorn and several tracebacks. This
middleware is the one place that refuses such a request, before anything reads its body,
with the site's 400 page (``site.views.bad_request``, which never reads the body either).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

from undersigned.site.views import bad_request

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def form_encoding_unsupported(request: HttpRequest) -> bool:
    """Whether Django would refuse to read this request's form (the same test as Django's)."""
    encoding = request.encoding
    return (
        request.method == "POST"
        and request.content_type == FORM_CONTENT_TYPE
        and encoding is not None
        and encoding.lower() != "utf-8"
    )


class FormEncodingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if form_encoding_unsupported(request):
            return bad_request(request, BadRequest("A form must be sent as UTF-8."))
        return self.get_response(request)
