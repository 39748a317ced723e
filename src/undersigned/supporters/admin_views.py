"""Organisers' actions in the Wagtail admin: on an update (test, send, resume), email a
newsletter issue, unsubscribe someone, and on the supporter list (unsubscribe a supporter,
export the list as CSV).

Each is a POST (sending behind a confirmation page showing how many people it will reach);
the work is done by :mod:`undersigned.supporters.services`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from undersigned.site.errors import ApplicationError
from undersigned.site.spreadsheet import SafeCsvWriter
from undersigned.supporters import ledger, selectors, services
from undersigned.supporters.forms import (
    OrganiserUnsubscribeForm,
    SendConfirmForm,
    SupporterFilterSet,
    SupporterUnsubscribeForm,
)
from undersigned.supporters.models import ConsentSource, PetitionUpdate, Supporter

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
        email = form.cleaned_data["email"]
        stopped = ledger.supporter_leave_by_email(
            email=email, source=ConsentSource.ORGANISER, recorded_by=request.user
        )
        if stopped:
            messages.success(
                request,
                _(
                    "%(email)s is off the supporter list and will get no more updates. "
                    "It is in the ledger."
                )
                % {"email": email.strip().lower()},
            )
        else:
            messages.info(request, _("That address was not getting updates. Nothing changed."))
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


# The supporter list


def supporter_detail_url(supporter: Supporter) -> str:
    return reverse("supporters_supporter:inspect", args=[supporter.pk])


@permission_required("supporters.change_supporter", raise_exception=True)
def supporter_unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop every update to one supporter, on their request, after a confirm step."""
    supporter = get_object_or_404(Supporter, pk=pk)
    form = SupporterUnsubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if ledger.supporter_list_leave(
            supporter=supporter, source=ConsentSource.ORGANISER, recorded_by=request.user
        ):
            messages.success(
                request,
                _("%(email)s will get no more updates. It is recorded in the consent ledger.")
                % {"email": supporter.email},
            )
        else:
            messages.info(request, _("They were already unsubscribed. Nothing changed."))
        return redirect(supporter_detail_url(supporter))
    return TemplateResponse(
        request,
        "supporters/admin/supporter_unsubscribe.html",
        {
            "supporter": supporter,
            "form": form,
            "page_title": _("Unsubscribe a supporter"),
            "header_icon": "mail",
        },
    )


class _Line:
    """Hands back what the CSV writer writes, so each row can be streamed as it is made."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def _csv_stream(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    line = _Line()
    writer = SafeCsvWriter(line.buffer)
    writer.writerow(header)
    yield line.take()
    for row in rows:
        writer.writerow(row)
        yield line.take()


@require_GET
@permission_required("supporters.export_supporter", raise_exception=True)
def supporter_export(request: HttpRequest) -> HttpResponse:
    """The confirmed supporters the list shows (same search and filters), as CSV, streamed."""
    supporters = selectors.supporter_search(
        supporters=Supporter.objects.all(), query=request.GET.get("q", "")
    )
    filters = SupporterFilterSet(request.GET, queryset=supporters)
    if not filters.is_valid():
        messages.error(request, _("Check the filters: one of them is not understood."))
        return redirect("supporters_supporter:index")
    response = StreamingHttpResponse(
        _csv_stream(
            selectors.SUPPORTER_EXPORT_HEADER,
            selectors.supporter_export_rows(supporters=filters.qs),
        ),
        content_type="text/csv; charset=utf-8",
    )
    # The file name says when, never whom: it may sit in a downloads folder for years.
    filename = f"supporters-{timezone.localtime():%Y-%m-%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
