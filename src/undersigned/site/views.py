"""Site-wide views: search, robots.txt and the friendly page for a failed CSRF check."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from undersigned.site.selectors import page_search

SEARCH_RESULTS_PER_PAGE = 10


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Tell a person what to do (allow cookies, reload) instead of Django's bare 403."""
    response = TemplateResponse(request, "403_csrf.html", status=403)
    return response.render()


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
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
