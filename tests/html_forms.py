"""Submitting a form the way a browser does: from the page that renders it.

``form_submit`` GETs a page, finds one of its forms, starts from every value the page put in it
(hidden inputs, the CSRF token among them, checked boxes, selected options, typed text), lays the
test's own values over them and posts the result to the form's action. A form rendered without a
working CSRF token therefore fails here as it fails for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.test import Client

_UNSENT_INPUT_TYPES = {"submit", "button", "reset", "image", "file"}


@dataclass
class HtmlForm:
    """One ``<form>`` as the page rendered it."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    submit_buttons: list[tuple[str, str]] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        """The fields a browser would send untouched: one value, or a list for repeated names."""
        grouped: dict[str, list[str]] = {}
        for name, value in self.fields:
            grouped.setdefault(name, []).append(value)
        return {name: v[0] if len(v) == 1 else v for name, v in grouped.items()}


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: tuple[list[str], bool, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self._form = HtmlForm(
                action=urljoin(self.page_url, a.get("action") or self.page_url),
                method=(a.get("method") or "get").lower(),
            )
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form.submit_buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, a.get("value", "on")))
            elif kind not in _UNSENT_INPUT_TYPES:
                self._form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and a.get("type", "submit").lower() == "submit":
            self._form.submit_buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = (name, "multiple" in a)
            self._options = []
        elif tag == "option" and self._select is not None:
            self._option = ([], "selected" in a, a.get("value"))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option[0].append(data)

    def _end_option(self) -> None:
        if self._option is not None:
            text, selected, value = self._option
            self._options.append((value if value is not None else "".join(text).strip(), selected))
            self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form.fields.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None and self._form is not None:
            self._end_option()
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None


def page_forms(html: str, page_url: str) -> list[HtmlForm]:
    """Every form on the page, with actions made absolute paths."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


def _same_target(form_action: str, wanted: str) -> bool:
    if form_action == wanted:
        return True
    return "?" not in wanted and urlsplit(form_action).path == urlsplit(wanted).path


def find_form(html: str, page_url: str, *, action: str | None = None) -> HtmlForm:
    """The page's one POST form, or its one POST form whose action is ``action``."""
    forms = [form for form in page_forms(html, page_url) if form.method == "post"]
    if action is not None:
        wanted = urljoin(page_url, action)
        forms = [form for form in forms if _same_target(form.action, wanted)]
    if len(forms) != 1:
        actions = [form.action for form in page_forms(html, page_url) if form.method == "post"]
        raise AssertionError(
            f"{page_url} has {len(forms)} POST forms for action {action!r}; its POST forms go to "
            f"{actions}"
        )
    return forms[0]


def form_submit(
    client: Client,
    page_url: str,
    data: dict[str, Any] | None = None,
    *,
    action: str | None = None,
    button: str | None = None,
    follow: bool = False,
    **extra: Any,
):
    """GET ``page_url``, fill in its form (the one posting to ``action`` if given) with ``data``
    over what the page rendered, and POST it. A value of None in ``data`` leaves the field out
    (an unticked box); ``button`` names the submit button pressed, when its name matters."""
    page = client.get(page_url, **extra)
    return form_submit_on(client, page, data, action=action, button=button, follow=follow, **extra)


def form_submit_on(
    client: Client,
    page,
    data: dict[str, Any] | None = None,
    *,
    action: str | None = None,
    button: str | None = None,
    follow: bool = False,
    **extra: Any,
):
    """Like ``form_submit``, from a page already fetched (e.g. the answer to a POST, as the
    confirmation step of a flow)."""
    page_url = page.request["PATH_INFO"]
    if page.request.get("QUERY_STRING"):
        page_url += "?" + page.request["QUERY_STRING"]
    assert page.status_code == 200, f"{page_url} answered {page.status_code}"
    form = find_form(page.content.decode(), page_url, action=action)
    values = form.values()
    if button is not None:
        pressed = [pair for pair in form.submit_buttons if pair[0] == button]
        assert pressed, f"no submit button named {button!r} in the form for {form.action}"
        values[button] = pressed[0][1]
    for name, value in (data or {}).items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return client.post(form.action, values, follow=follow, **extra)


def post_with_page_token(
    client: Client, page_url: str, url: str, data: dict[str, Any] | None = None, **extra: Any
):
    """POST ``data`` to ``url`` with the CSRF token ``page_url`` rendered (in a form, or in the
    Wagtail admin's configuration for its scripts): a request no form on the page makes (to show
    that a refusal holds), but one that gets past the CSRF check."""
    page = client.get(page_url, **extra)
    assert page.status_code == 200, f"GET {page_url} answered {page.status_code}"
    html = page.content.decode()
    tokens = {
        value
        for form in page_forms(html, page_url)
        for name, value in form.fields
        if name == "csrfmiddlewaretoken"
    } | set(re.findall(r'"CSRF_TOKEN": "([^"]*)"', html))
    assert tokens - {""}, f"{page_url} renders no CSRF token"
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": tokens.pop()}, **extra)
