"""The speed layer: everything that makes a spike cheap, in one place.

What is here (each module says why it exists and what it costs):

- ``sign_fast_path``: the sign form's common case taken in front of Django (wraps the WSGI
  application in ``config/wsgi.py``); it calls petitions' own selectors and services, so it
  stands in the top layer, with ``config``.
- ``page_cache``: whole public pages kept for a couple of seconds (a middleware).
- ``routing``: which site and page a request leads to, remembered (a middleware).
- ``caching``: short-lived shared-cache reads without a stampede, and values kept in the
  process (``kept_in_process``); used by petitions' counts and abuse's settings.
- ``write_queue``: SQLite's writers queued on a kernel lock instead of its busy handler.
- ``postgresql``: Django's PostgreSQL backend with a health check that costs no round trip
  (``DATABASES`` names it as its ``ENGINE``).

Every module but ``sign_fast_path`` stands in the lowest layer, beside ``site``, and imports
no app. The layers contract in ``pyproject.toml`` places each module, and fails on one that
is not placed.

Framework internals relied on (not promised by Django or Wagtail to stay; each one is checked
by ``tests/speed/test_framework_internals.py``, which names it when an upgrade changes it):

- ``django.middleware.csrf.CsrfViewMiddleware._reject(request, reason)``: overridden by
  ``sign_fast_path`` to refuse quietly (Django's own check then speaks, once).
- ``HttpRequest._body``: present once the body has been read; ``sign_fast_path`` hands the
  body it read back to Django.
- ``HttpRequest._get_raw_host()`` and ``django.http.request.split_domain_port``: ``routing``
  keys a site by host name and port as Wagtail does.
- ``request._wagtail_site`` (``Site.find_for_request``) and ``request._wagtail_route_for_request``
  (``Page.route_for_request``): ``routing`` hands Wagtail its remembered answers there.
- ``wagtail.views.serve(request, path)`` under the URL name ``wagtail_serve``: ``routing`` acts
  only for that view, ``page_cache`` keeps only its pages (and views that say they are public).
- ``Page.get_view_restrictions``, asked on the page by Wagtail's ``check_view_restrictions``
  hook: ``routing`` replaces it on the instance for a page remembered as unrestricted.
- ``BaseDatabaseWrapper.close_if_health_check_failed()``, ``health_check_enabled``,
  ``health_check_done`` and the PostgreSQL wrapper's ``pool`` property: ``postgresql``
  replaces the check.
- The SQLite wrapper's ``is_in_memory_db()``: ``write_queue`` stands aside for one.
- ``Model._state.adding`` / ``_state.db``: set by ``petitions.signature_insert`` (not in this
  package: it writes the signature with SQL of its own) on the row it inserted.
- ``CookieStorage.cookie_name``: ``page_cache`` serves no copy to a visitor with messages.
"""
