"""Site-wide views: search, robots.txt, the brand colours, the page for a failed CSRF check
and the 400 page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from undersigned.site.selectors import page_search
from undersigned.site.text import clean_text

SEARCH_RESULTS_PER_PAGE = 10


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Tell a person what to do (allow cookies, reload) instead of Django's bare 403."""
    response = TemplateResponse(request, "403_csrf.html", status=403)
    return response.render()


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: Django's 400 page without Django's CSRF decorator, whose check reads the
    body of a POST — the very thing that may have failed (see site/form_encoding.py)."""
    return HttpResponseBadRequest(render_to_string("400.html", request=request))


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    # Control characters dropped: PostgreSQL refuses a NUL in a query (a 500, not "no results").
    query = clean_text(request.GET.get("q", ""))[:200]
    paginator = Paginator(page_search(query=query), SEARCH_RESULTS_PER_PAGE)
    results = paginator.get_page(request.GET.get("page"))
    return TemplateResponse(
        request, "site/search.html", {"search_query": query, "results": results}
    )


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /*/thank-you/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def _darker(hex_colour: str, factor: float = 0.7) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return "#{:02x}{:02x}{:02x}".format(*(round(c * factor) for c in (red, green, blue)))


@require_GET
@cache_control(public=True, max_age=31_536_000, immutable=True)
def brand_css(request: HttpRequest, brand: str, accent: str) -> HttpResponse:
    """CSS custom properties for the organisation's colours, with darker shades derived.

    A stylesheet rather than a ``<style>`` block in every page, so that the Content-Security-
    Policy need not allow inline styles. The address carries the colours (six hex digits
    each, checked by the URL pattern), so it is answered without a database query.
    """
    css = (
        f":root{{--brand:#{brand};--brand-dark:{_darker(brand)};"
        f"--accent:#{accent};--accent-dark:{_darker(accent)};}}\n"
    )
    return HttpResponse(css, content_type="text/css; charset=utf-8")
