"""Organisers' screens for API keys in the Wagtail admin (Settings -> API keys): the list,
making a key (shown once, on the page that answers the form) and revoking one (a POST
behind a page that asks to confirm). The work is done by :mod:`undersigned.osdi.services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from undersigned.osdi import selectors, services
from undersigned.osdi.forms import ApiKeyCreateForm
from undersigned.osdi.models import ApiKey
from undersigned.site.errors import ApplicationError

PERMISSION = "osdi.manage_apikey"


@permission_required(PERMISSION, raise_exception=True)
def api_key_index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "osdi/admin/index.html",
        {
            "api_keys": selectors.api_key_list(),
            "entry_point": request.build_absolute_uri(reverse("osdi:entry_point")),
            "page_title": _("API keys"),
            "header_icon": "key",
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            api_key, secret = services.api_key_create(
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                created_by=request.user,
            )
        except ApplicationError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            response = TemplateResponse(
                request,
                "osdi/admin/created.html",
                {
                    "api_key": api_key,
                    "secret": secret,
                    "page_title": _("API key made"),
                    "header_icon": "key",
                },
            )
            # The key is in this page only: no copy of it may be kept anywhere.
            add_never_cache_headers(response)
            return response
    return TemplateResponse(
        request,
        "osdi/admin/create.html",
        {"form": form, "page_title": _("New API key"), "header_icon": "key"},
    )


@permission_required(PERMISSION, raise_exception=True)
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey, pk=pk)
    if request.method == "POST":
        services.api_key_revoke(api_key=api_key, user=request.user)
        messages.success(
            request,
            _("The key \u201c%(name)s\u201d is revoked: it no longer works.")
            % {"name": api_key.name},
        )
        return redirect("osdi_admin:index")
    return TemplateResponse(
        request,
        "osdi/admin/confirm_revoke.html",
        {"api_key": api_key, "page_title": _("Revoke API key"), "header_icon": "key"},
    )
