"""What a page shows, supplied by its app's views module rather than by the page model.

Wagtail serves a page through methods of its model (``get_context``, the paths of a routable
page), but an app's views and selectors import its models: a model importing them would
close an import cycle. So a page model asks here by name, and the app's ``views`` module,
imported by its ``AppConfig.ready``, registers what it supplies::

    @page_view(PetitionPage, "thank_you")
    def thank_you_page(request, page): ...

A ``"context"`` function returns extra template context (a dict); any other name is a view
that returns the response. A subclass of a registered page model uses its parent's entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

PageFunction = TypeVar("PageFunction", bound=Callable[..., Any])

_registered: dict[tuple[type, str], Callable[..., Any]] = {}


def page_view(model: type, name: str) -> Callable[[PageFunction], PageFunction]:
    """Register the decorated ``function(request, page)`` as ``model``'s ``name``."""

    def register(function: PageFunction) -> PageFunction:
        _registered[(model, name)] = function
        return function

    return register


def page_view_get(page: object, name: str) -> Callable[..., Any]:
    """The function registered as ``name`` for ``page``'s model (or the nearest parent's)."""
    for model in type(page).__mro__:
        found = _registered.get((model, name))
        if found is not None:
            return found
    raise LookupError(
        f"Nothing is registered as {name!r} for {type(page).__name__}: its app's views module "
        "registers it with @page_view, and the app's AppConfig.ready imports that module."
    )


def page_context(page: object, request: Any) -> dict:
    """The extra template context registered for ``page`` as ``"context"``."""
    return page_view_get(page, "context")(request, page)
