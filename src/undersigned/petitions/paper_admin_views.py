"""Organisers' pages for paper signatures in the Wagtail admin: the sheets of a petition,
typing a sheet into a grid, and uploading a file (report first, stored on confirmation).

Plain forms posted without JavaScript; every rule is :mod:`undersigned.petitions.paper`'s.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from undersigned.petitions import paper, selectors
from undersigned.petitions.models import PaperSheet, PetitionPage
from undersigned.petitions.paper_files import paper_file_too_large_message
from undersigned.petitions.paper_forms import PaperRowFormSet, PaperSheetForm, PaperUploadForm
from undersigned.site.errors import ApplicationError

PERMISSION = "petitions.add_papersheet"


def _stored_message(sheet: PaperSheet) -> str:
    total, counted = selectors.paper_sheet_totals(sheet=sheet)
    stored = ngettext(
        "Sheet “%(reference)s”: %(total)s signature stored",
        "Sheet “%(reference)s”: %(total)s signatures stored",
        total,
    ) % {"reference": sheet.reference, "total": f"{total:,}"}
    repeated = total - counted
    if repeated:
        stored += ngettext(
            ", of which %(repeated)s had already signed and is not counted twice.",
            ", of which %(repeated)s had already signed and are not counted twice.",
            repeated,
        ) % {"repeated": f"{repeated:,}"}
    else:
        stored += _(", every one counted.")
    return stored


@permission_required(PERMISSION, raise_exception=True)
def paper_sheets(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    return TemplateResponse(
        request,
        "petitions/admin/paper_sheets.html",
        {
            "petition": petition,
            "sheets": selectors.paper_sheet_list(petition=petition),
            "paper_count": selectors.signature_count_paper(petition=petition),
            "page_title": _("Paper signatures"),
            "page_subtitle": petition.title,
            "header_icon": "doc-full",
        },
    )


def _rows_of(formset) -> list[paper.PaperRow]:
    return [
        paper.PaperRow(
            number=number,
            name=form.cleaned_data.get("name", ""),
            address=form.cleaned_data.get("address", ""),
            postcode=form.cleaned_data.get("postcode", ""),
        )
        for number, form in enumerate(formset.forms, start=1)
    ]


def _mark(form, field: str, message: str) -> None:
    if field in form.fields and field not in form.errors:
        form.add_error(field, message)


# The grid's first submit button, so the one that Enter presses in a browser without the
# grid's script: it checks the rows typed so far and stores nothing, where "Save the sheet"
# would store a half-typed sheet (and then refuse the rest under the same reference).
CHECK_ONLY = "check_only"


@permission_required(PERMISSION, raise_exception=True)
def paper_sheet_enter(request: HttpRequest, petition_id: int) -> HttpResponse:
    """A sheet typed row by row; on a problem, everything typed comes back, each bad row
    marked where it is."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    data = request.POST if request.method == "POST" else None
    sheet_form = PaperSheetForm(data)
    rows = PaperRowFormSet(data, prefix="row")
    problem_count = 0
    checked_count = None
    if data is not None:
        sheet_form.is_valid()
        if not rows.is_valid():
            messages.error(request, _("The sheet could not be read; please type it again."))
        else:
            details = {
                "petition": petition,
                "reference": sheet_form.cleaned_data.get("reference", data.get("reference", "")),
                "collected_on": sheet_form.cleaned_data.get("collected_on"),
                "rows": _rows_of(rows),
            }
            try:
                if CHECK_ONLY in data:
                    checked = paper.paper_sheet_check(**details)
                else:
                    sheet = paper.paper_sheet_create(**details, entered_by=request.user)
            except ApplicationError as error:
                problems = error.extra.get("problems", [])
                for problem in problems:
                    _mark(rows.forms[problem.number - 1], problem.field, problem.message)
                problem_count = len(problems)
                if "field" in error.extra:
                    _mark(sheet_form, error.extra["field"], error.message)
                elif not problems:
                    messages.error(request, error.message)
            else:
                if CHECK_ONLY in data:
                    checked_count = len(checked)
                else:
                    messages.success(request, _stored_message(sheet))
                    return redirect("petitions_admin:paper", petition.pk)
    return TemplateResponse(
        request,
        "petitions/admin/paper_grid.html",
        {
            "petition": petition,
            "sheet_form": sheet_form,
            "rows": rows,
            "problem_count": problem_count,
            "checked_count": checked_count,
            "check_only": CHECK_ONLY,
            "has_errors": bool(problem_count or sheet_form.errors),
            "page_title": _("Enter a paper sheet"),
            "page_subtitle": petition.title,
            "header_icon": "doc-full",
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def paper_upload(request: HttpRequest, petition_id: int) -> HttpResponse:
    """Step 1: the file is read and kept; its report comes next, nothing is stored yet."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    form = PaperUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Django has streamed the file to a temporary file on disk; a file over the limit is
        # refused by its size, without reading it into memory.
        if upload.size > settings.UNDERSIGNED_PAPER_MAX_UPLOAD_BYTES:
            form.add_error("file", paper_file_too_large_message())
        else:
            try:
                staged = paper.paper_upload_create(
                    petition=petition,
                    uploaded_by=request.user,
                    file_name=upload.name,
                    content=upload.read(),
                    reference=form.cleaned_data["reference"],
                    collected_on=form.cleaned_data["collected_on"],
                )
            except ApplicationError as error:
                field = error.extra.get("field", "file")
                form.add_error(field if field in form.fields else "file", error.message)
            else:
                return redirect("petitions_admin:paper_report", petition.pk, staged.pk)
    return TemplateResponse(
        request,
        "petitions/admin/paper_upload.html",
        {
            "petition": petition,
            "form": form,
            "page_title": _("Upload paper signatures"),
            "page_subtitle": petition.title,
            "header_icon": "doc-full",
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def paper_upload_report(request: HttpRequest, petition_id: int, upload_id: int) -> HttpResponse:
    """Step 2: which rows will be stored and which not (and why); storing on confirmation."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    upload = selectors.paper_upload_get(petition=petition, upload_id=upload_id, user=request.user)
    if upload is None:
        # Stored or discarded already (a second click on "Store"), let go after a day, or
        # someone else's.
        messages.warning(
            request, _("That upload is no longer waiting: it was stored, discarded or expired.")
        )
        return redirect("petitions_admin:paper", petition.pk)
    if request.method == "POST":
        try:
            sheet = paper.paper_upload_confirm(upload=upload, confirmed_by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _stored_message(sheet))
            return redirect("petitions_admin:paper", petition.pk)
    try:
        report = paper.paper_upload_report(upload=upload)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("petitions_admin:paper_upload", petition.pk)
    return TemplateResponse(
        request,
        "petitions/admin/paper_report.html",
        {
            "petition": petition,
            "upload": upload,
            "accepted_count": report.accepted,
            "report": report,
            "rejected": report.problems,
            "page_title": _("Check the upload"),
            "page_subtitle": petition.title,
            "header_icon": "doc-full",
        },
    )


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def paper_upload_discard(request: HttpRequest, petition_id: int, upload_id: int) -> HttpResponse:
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    upload = selectors.paper_upload_get(petition=petition, upload_id=upload_id, user=request.user)
    if upload is not None:
        paper.paper_upload_discard(upload=upload)
        messages.success(request, _("The upload was discarded; nothing was stored."))
    return redirect("petitions_admin:paper", petition.pk)
