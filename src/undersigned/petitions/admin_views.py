"""Organisers' views in the Wagtail admin: petitions at a glance, support by area, closing
and reopening, pausing signing, moderating signatures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from undersigned.abuse import limits
from undersigned.petitions import selectors, services
from undersigned.petitions.models import PetitionPage, Signature
from undersigned.petitions.views import support_context
from undersigned.site.errors import ApplicationError


@permission_required("petitions.view_signature", raise_exception=True)
def petition_overview(request: HttpRequest) -> HttpResponse:
    rows = []
    for petition in selectors.petition_list_for_admin():
        count = selectors.signature_count(petition=petition)
        rows.append(
            {
                "petition": petition,
                "count": count,
                "progress_percent": selectors.signature_progress_percent(
                    count=count, goal=petition.signature_goal
                ),
                "can_close": petition.permissions_for_user(request.user).can_publish(),
                "status": petition.status(),
            }
        )
    return TemplateResponse(
        request,
        "petitions/admin/overview.html",
        {
            "rows": rows,
            "site_paused": limits.abuse_limits().signing_paused,
            "new_petition_url": petition_new_url(user=request.user),
            "page_title": _("Petitions"),
            "header_icon": "form",
        },
    )


@permission_required("petitions.view_signature", raise_exception=True)
def petition_support(request: HttpRequest, petition_id: int) -> HttpResponse:
    """Where a petition's signatures come from: the ward map and every ward and constituency."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    return TemplateResponse(
        request,
        "petitions/admin/support.html",
        {
            "petition": petition,
            "support": support_context(petition),
            "page_title": _("Support by area"),
            "page_subtitle": petition.title,
            "header_icon": "site",
        },
    )


def petition_close(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    if not petition.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.petition_close(petition=petition, user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("“%(title)s” is closed to new signatures.") % {"title": petition.title}
            )
        return redirect("petitions_admin:overview")
    return TemplateResponse(
        request,
        "petitions/admin/confirm_close.html",
        {
            "petition": petition,
            "count": selectors.signature_count(petition=petition),
            "page_title": _("Close petition"),
            "header_icon": "form",
        },
    )


@require_POST
def petition_reopen(request: HttpRequest, petition_id: int) -> HttpResponse:
    """Take signatures again on a petition closed by hand or by its date."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    if not petition.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    try:
        services.petition_reopen(petition=petition, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("“%(title)s” takes signatures again.") % {"title": petition.title}
        )
    return redirect("petitions_admin:overview")


def petition_new_url(*, user) -> str | None:
    """Where ``user`` starts a new petition: the page editor, under the petitions section."""
    index = selectors.petition_index_for_new(user=user)
    if index is None:
        return None
    return reverse("wagtailadmin_pages:add", args=["petitions", "petitionpage", index.pk])


@require_POST
def petition_signing_pause(request: HttpRequest, petition_id: int, *, paused: bool) -> HttpResponse:
    """The per-petition kill switch: pause signing (the form gives way to a message) or resume."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    if not petition.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    services.petition_signing_pause(petition, paused=paused, user=request.user)
    if paused:
        message = _(
            "Signing is paused on “%(title)s”. Its page shows a message instead of the form."
        )
    else:
        message = _("Signing has resumed on “%(title)s”.")
    messages.success(request, message % {"title": petition.title})
    return redirect("petitions_admin:overview")


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
@permission_required("petitions.moderate_signature", raise_exception=True)
def signature_moderate(request: HttpRequest, signature_id: int, action: str) -> HttpResponse:
    signature = get_object_or_404(Signature, pk=signature_id)
    change = {"invalidate": services.signature_invalidate, "restore": services.signature_restore}
    if action not in change:
        raise PermissionDenied
    try:
        change[action](signature=signature)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if action == "invalidate":
            messages.success(request, _("The signature no longer counts. It is kept on record."))
        else:
            messages.success(request, _("The signature counts again."))
    return redirect(_back(request, reverse("petitions_signature:index")))
