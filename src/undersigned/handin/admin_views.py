"""Organisers' hand-in page in the Wagtail admin: build packs, download them, mark handed in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from undersigned.handin import selectors, services
from undersigned.handin.forms import HandInForm, HandinPackForm
from undersigned.handin.models import HandinPack, HandinPackState
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions.models import PetitionPage, PetitionState
from undersigned.site.errors import ApplicationError

# While a pack builds, the page reloads itself this often (no JavaScript needed).
REFRESH_SECONDS = 5


@permission_required("handin.view_handinpack", raise_exception=True)
def handin_index(request: HttpRequest) -> HttpResponse:
    rows = [
        {"petition": petition, "count": petition_selectors.signature_count(petition=petition)}
        for petition in selectors.handin_petition_list()
    ]
    return TemplateResponse(
        request,
        "handin/admin/index.html",
        {"rows": rows, "page_title": _("Hand-in"), "header_icon": "doc-full"},
    )


def _file_size(field) -> int | None:
    try:
        return field.size if field.name else None
    except OSError:
        return None


def _page(
    request: HttpRequest,
    petition: PetitionPage,
    *,
    pack_form: HandinPackForm | None = None,
    hand_in_form: HandInForm | None = None,
    status: int = 200,
) -> HttpResponse:
    packs = list(selectors.handin_pack_list(petition=petition))
    for pack in packs:
        pack.pdf_size = _file_size(pack.pdf_file) if pack.state == HandinPackState.READY else None
        pack.csv_size = _file_size(pack.csv_file) if pack.state == HandinPackState.READY else None
    can_publish = petition.permissions_for_user(request.user).can_publish()
    context = {
        "petition": petition,
        "tally": selectors.signature_tally(petition=petition),
        "packs": packs,
        "refresh_seconds": REFRESH_SECONDS if any(pack.in_progress for pack in packs) else None,
        "can_build": request.user.has_perm("handin.add_handinpack"),
        "can_delete": request.user.has_perm("handin.delete_handinpack"),
        "can_hand_in": can_publish and petition.state != PetitionState.HANDED_IN,
        "pack_form": pack_form or HandinPackForm(),
        "hand_in_form": hand_in_form or HandInForm(),
        "page_title": _("Hand-in"),
        "header_icon": "doc-full",
    }
    return TemplateResponse(request, "handin/admin/petition.html", context, status=status)


@permission_required("handin.view_handinpack", raise_exception=True)
def handin_petition(request: HttpRequest, petition_id: int) -> HttpResponse:
    return _page(request, get_object_or_404(PetitionPage, pk=petition_id))


@require_POST
@permission_required("handin.add_handinpack", raise_exception=True)
def handin_pack_build(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    form = HandinPackForm(request.POST)
    if not form.is_valid():  # pragma: no cover - a checkbox cannot be invalid
        return _page(request, petition, pack_form=form, status=400)
    try:
        services.handin_pack_create(
            petition=petition,
            created_by=request.user,
            include_addresses=form.cleaned_data["include_addresses"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The pack is being built. This page shows its progress and reloads by itself."),
        )
    return redirect("handin_admin:petition", petition_id=petition.pk)


@require_POST
def petition_hand_in(request: HttpRequest, petition_id: int) -> HttpResponse:
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    if not petition.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    form = HandInForm(request.POST)
    if not form.is_valid():
        return _page(request, petition, hand_in_form=form, status=400)
    try:
        services.petition_hand_in(
            petition=petition,
            handed_in_at=form.cleaned_data["handed_in_on"],
            handed_in_to=form.cleaned_data["handed_in_to"],
            user=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _page(request, petition, hand_in_form=form, status=400)
    messages.success(
        request, _("“%(title)s” is recorded as handed in.") % {"title": petition.title}
    )
    return redirect("handin_admin:petition", petition_id=petition.pk)


@permission_required("handin.view_handinpack", raise_exception=True)
def handin_pack_download(request: HttpRequest, pack_id: int, kind: str) -> FileResponse:
    """Stream a pack's file to an organiser allowed to see it; never from a public URL."""
    pack = get_object_or_404(HandinPack.objects.select_related("petition"), pk=pack_id)
    field = {"pdf": pack.pdf_file, "csv": pack.csv_file}.get(kind)
    if field is None or pack.state != HandinPackState.READY or not field.name:
        raise Http404
    if pack.petition.personal_data_purged_at is not None:
        raise Http404  # the signers' data is gone; so must the packs be (delete them)
    try:
        file = field.storage.open(field.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    suffix = "hand-in-pack.pdf" if kind == "pdf" else "signatories.csv"
    date = pack.created_at.strftime("%Y-%m-%d")
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"{pack.petition.slug}-{date}-{suffix}",
        content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@permission_required("handin.delete_handinpack", raise_exception=True)
def handin_pack_delete(request: HttpRequest, pack_id: int) -> HttpResponse:
    pack = get_object_or_404(HandinPack, pk=pack_id)
    petition_id = pack.petition_id
    if pack.in_progress:
        messages.error(request, _("A pack cannot be deleted while it is being built."))
    else:
        services.handin_pack_delete(pack=pack)
        messages.success(request, _("The pack and its files are deleted."))
    return redirect("handin_admin:petition", petition_id=petition_id)
