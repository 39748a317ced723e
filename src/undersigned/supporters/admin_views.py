"""Organisers' actions on an update in the Wagtail admin: test, send, resume, unsubscribe someone,
email a newsletter issue.

Each is a POST (sending behind a confirmation page showing how many people it will reach);
the work is done by :mod:`undersigned.supporters.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from undersigned.site.errors import ApplicationError
from undersigned.supporters import ledger, selectors, services
from undersigned.supporters.forms import OrganiserUnsubscribeForm, SendConfirmForm
from undersigned.supporters.models import ConsentSource, PetitionUpdate

SEND_PERMISSION = "supporters.send_petitionupdate"
# Newest first; an older issue is seldom emailed again.
NEWSLETTER_CHOICES = 100


def _detail(update: PetitionUpdate) -> HttpResponse:
    return redirect("supporters_update:inspect", update.pk)


@require_POST
@permission_required("supporters.change_petitionupdate", raise_exception=True)
def update_test_send(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(PetitionUpdate, pk=pk)
    try:
        address = services.petition_update_test_send(update=update, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("A test was sent to %(address)s. Nobody else has been sent anything.")
            % {"address": address},
        )
    return _detail(update)


@permission_required(SEND_PERMISSION, raise_exception=True)
def update_send(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(selectors.petition_update_list_for_admin(), pk=pk)
    if not update.is_draft:
        messages.info(request, str(services.UpdateMessages.ALREADY_SENT))
        return _detail(update)
    form = SendConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.petition_update_send(update=update, user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Sending has started. This page shows how far it has got."),
            )
            return _detail(update)
    return TemplateResponse(
        request,
        "supporters/admin/confirm_send.html",
        {
            "update": update,
            "form": form,
            "recipient_count": selectors.update_recipient_count(update=update),
            "audience": selectors.update_audience_describe(update=update),
            "page_title": _("Send update"),
            "header_icon": "mail",
        },
    )


@require_POST
@permission_required(SEND_PERMISSION, raise_exception=True)
def update_resume(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(PetitionUpdate, pk=pk)
    try:
        services.petition_update_resume(update=update)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Sending again. Only the people who have not had it yet will get it.")
        )
    return _detail(update)


@permission_required("supporters.add_consentevent", raise_exception=True)
def organiser_unsubscribe(request: HttpRequest) -> HttpResponse:
    """Stop updates for someone who asked by phone, letter or reply (recorded as an organiser)."""
    form = OrganiserUnsubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        event = ledger.supporter_unsubscribe(
            email=form.cleaned_data["email"],
            petition=form.cleaned_data["petition"],
            source=ConsentSource.ORGANISER,
            recorded_by=request.user,
        )
        if event is None:
            messages.info(
                request,
                _("That address was not getting updates about this petition. Nothing changed."),
            )
        else:
            messages.success(
                request,
                _("%(email)s will get no more updates about this petition. It is in the ledger.")
                % {"email": event.email},
            )
        return redirect(reverse("supporters_consent:index"))
    return TemplateResponse(
        request,
        "supporters/admin/organiser_unsubscribe.html",
        {"form": form, "page_title": _("Unsubscribe someone"), "header_icon": "mail"},
    )


@permission_required("supporters.add_petitionupdate", raise_exception=True)
def newsletter_choose(request: HttpRequest) -> HttpResponse:
    """Pick a newsletter issue to email: its summary and PDF link fill in a new update."""
    return TemplateResponse(
        request,
        "supporters/admin/newsletter_choose.html",
        {
            "issues": selectors.newsletter_issue_list_for_update()[:NEWSLETTER_CHOICES],
            "page_title": _("Email a newsletter issue"),
            "header_icon": "doc-full",
        },
    )
