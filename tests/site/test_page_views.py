"""Page views and context registered by an app's views module, found from the page model."""

from __future__ import annotations

import pytest

from undersigned.site.page_views import page_context, page_view, page_view_get


class _Page:
    pass


class _SpecialPage(_Page):
    pass


def test_a_page_finds_what_its_model_or_a_parent_model_registered():
    @page_view(_Page, "context")
    def context(request, page):
        return {"seen": (request, type(page).__name__)}

    assert page_context(_Page(), "request") == {"seen": ("request", "_Page")}
    assert page_context(_SpecialPage(), "request") == {"seen": ("request", "_SpecialPage")}
    assert page_view_get(_SpecialPage(), "context") is context


def test_a_name_nobody_registered_says_where_it_should_come_from():
    with pytest.raises(LookupError, match=r"'thanks' for _SpecialPage.*AppConfig\.ready"):
        page_view_get(_SpecialPage(), "thanks")
