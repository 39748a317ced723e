"""Page routing without walking the page tree on every request.

Wagtail finds a request's site with one query, its page with two queries per level of the
tree (the child by slug, then its specific type), and the view restrictions of the page and
its ancestors with two more: eight queries and much ORM work before a petition's view even
starts. This middleware remembers, for ``UNDERSIGNED_ROUTE_CACHE_SECONDS`` in the shared
cache, which site a host name leads to, which page a path leads to and whether that page had
any view restriction, and hands Wagtail the answers through the attributes it keeps them in
for one request (``request._wagtail_site``, ``request._wagtail_route_for_request``).

The page itself is always read afresh (one query by primary key) and routed the rest of the
way by its own ``route()``: a page that is unpublished, closed or edited is served as it is
now. What can lag is where a path leads and whether a page is restricted: after a page is
moved, renamed, deleted or given a password, or a site is changed, for at most the cache time
on other app servers when the cache is not shared (at once where it is, and in the process
that made the change: those changes forget every remembered route).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from wagtail import views as wagtail_views
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

GENERATION_KEY = "site:routes:generation"


def routes_forget(**kwargs) -> None:
    """Forget every remembered site and route (a page or site changed)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def _forget_on_change(sender, instance, **kwargs) -> None:
    # Pages save as their own subclasses, so this listens to every model and looks.
    if isinstance(instance, (Page, Site, PageViewRestriction)):
        routes_forget()


for _signal in (page_published, page_unpublished, post_page_move):
    _signal.connect(routes_forget, dispatch_uid="undersigned-routes-forget")
for _signal in (post_save, post_delete):
    _signal.connect(_forget_on_change, dispatch_uid="undersigned-routes-forget")


class PageRouteCacheMiddleware:
    """Give Wagtail's ``serve`` view its site and page route from the cache when it has them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "_undersigned_route_key", None)
        route = getattr(request, "_wagtail_route_for_request", None)
        if key and route is not None:
            page = route[0]
            consumed = page.depth - request._wagtail_site.root_page.depth
            restricted = page.get_view_restrictions().exists()
            entry = (page._meta.label_lower, page.pk, consumed, restricted)
            cache.set(key, entry, self.seconds)
        return response

    @property
    def seconds(self) -> int:
        return settings.UNDERSIGNED_ROUTE_CACHE_SECONDS

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        if view is not wagtail_views.serve or not self.seconds:
            return
        generation = cache.get(GENERATION_KEY, 0)
        hostname = split_domain_port(request._get_raw_host())[0]
        site_key = f"site:routes:{generation}:site:{hostname}:{request.get_port()}"
        site = cache.get(site_key)
        if site is None:
            site = Site.find_for_request(request)
            if site is None:
                return
            cache.set(site_key, site, self.seconds)
        request._wagtail_site = site
        # Wagtail's URL pattern passes the path positionally.
        path = kwargs["path"] if "path" in kwargs else (args[0] if args else "")
        components = [part for part in path.split("/") if part]
        where = hashlib.sha256("/".join(components).encode()).hexdigest()
        route_key = f"site:routes:{generation}:page:{site.pk}:{where}"
        remembered = cache.get(route_key)
        if remembered is None:
            # Routed the long way; the middleware remembers the answer on the way out.
            request._undersigned_route_key = route_key
            return
        label, pk, consumed, restricted = remembered
        try:
            page = apps.get_model(label).objects.get(pk=pk)
        except ObjectDoesNotExist:
            return
        if not restricted:
            # Wagtail checks a page's view restrictions (two queries) on every request; for
            # a page that had none when its route was remembered, the answer is remembered
            # too (and forgotten as soon as a restriction is added).
            page.get_view_restrictions = PageViewRestriction.objects.none
        try:
            request._wagtail_route_for_request = page.route(request, components[consumed:])
        except Http404:
            request._wagtail_route_for_request = None
