"""The public privacy notice, and the admin screens for subject access and erasure requests."""

from __future__ import annotations

import datetime
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.models import Site

from undersigned.contact.selectors import contact_page_get
from undersigned.site.errors import ApplicationError
from undersigned.site.models import SiteSettings
from undersigned.supporters.erasure import personal_data_erase
from undersigned.supporters.models import ErasureRecord
from undersigned.supporters.subject_access import (
    PersonalData,
    data_subject_build,
    personal_data_get,
)

# Superusers have it; give it to the group that handles data-protection requests.
PRIVACY_PERMISSION = "supporters.add_erasurerecord"
ERASURE_LOG_LENGTH = 20


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    site = Site.find_for_request(request)
    site_settings = SiteSettings.for_site(site) if site else SiteSettings()
    return TemplateResponse(
        request,
        "supporters/privacy/notice.html",
        {
            "controller": site_settings.data_controller_name,
            "privacy_email": site_settings.privacy_email,
            "postal_address": site_settings.contact_address,
            "retention_months": site_settings.retention_months,
            "contact_page": contact_page_get(site=site),
        },
    )


class SubjectSearchForm(forms.Form):
    """Who to look for. Checked and folded by :func:`data_subject_build`."""

    email = forms.CharField(label=gettext_lazy("Email address"), required=False, max_length=254)
    name = forms.CharField(label=gettext_lazy("Full name"), required=False, max_length=200)
    postcode = forms.CharField(label=gettext_lazy("Postcode"), required=False, max_length=16)

    def clean(self):
        data = super().clean()
        try:
            self.subject = data_subject_build(
                email=data.get("email", ""),
                name=data.get("name", ""),
                postcode=data.get("postcode", ""),
            )
        except ApplicationError as error:
            raise ValidationError(error.message) from None
        return data


class ErasureForm(forms.Form):
    """The confirmation: the search carried in hidden fields, and a note for the log."""

    email = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(required=False, widget=forms.HiddenInput)
    postcode = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note for the erasure log (optional)"),
        required=False,
        max_length=150,
        help_text=gettext_lazy(
            "How the request came, e.g. \u201crequest by email, 3 March\u201d. "
            "Not who made it: the log must not identify anyone."
        ),
    )


def _display(instance: models.Model, field: models.Field) -> str:
    value = getattr(instance, field.name)
    if value is None or value == "":
        return "\u2013"
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y H:i")
    if field.is_relation:
        return getattr(value, "title", None) or str(value)
    return str(value)


def _record(instance: models.Model, caption: str) -> dict:
    """One row held, as (label, value) pairs of every stored field, for the admin to read."""
    fields = [
        (capfirst(field.verbose_name), _display(instance, field))
        for field in instance._meta.concrete_fields
        if not field.primary_key
    ]
    return {"caption": caption, "fields": fields}


def _sections(data: PersonalData) -> list[dict]:
    sections = [
        {
            "title": _("Petition signatures"),
            "records": [
                _record(signature, signature.petition.title) for signature in data.signatures
            ],
        },
        {
            "title": _("Messages sent through the contact form"),
            "records": [_record(enquiry, str(enquiry)) for enquiry in data.enquiries],
        },
    ]
    for held in data.other:
        sections.append(
            {
                "title": capfirst(held.label),
                "records": [_record(row, str(row)) for row in held.rows],
            }
        )
    return sections


def _counts_going_down(data: PersonalData) -> list[dict]:
    """Per petition, how many counted signatures the erasure takes off its total."""
    petitions: dict[int, dict] = {}
    for signature in data.signatures:
        row = petitions.setdefault(
            signature.petition_id, {"petition": signature.petition, "signatures": 0, "counted": 0}
        )
        row["signatures"] += 1
        row["counted"] += signature.state == "counted"
    return list(petitions.values())


def _summary(data: PersonalData) -> dict:
    petitions = {signature.petition_id for signature in data.signatures}
    counted = sum(1 for signature in data.signatures if signature.state == "counted")
    return {
        "signatures": len(data.signatures),
        "petitions": len(petitions),
        "counted": counted,
        "enquiries": len(data.enquiries),
        "other": sum(len(held.rows) for held in data.other),
        "other_kinds": ", ".join(held.label for held in data.other if held.rows),
    }


# The screens below are all POSTs: an email address, name or postcode in a URL would end up
# in the server's access log and the browser's history.


@require_http_methods(["GET", "POST"])
@permission_required(PRIVACY_PERMISSION, raise_exception=True)
def subject_search(request: HttpRequest) -> HttpResponse:
    form = SubjectSearchForm(request.POST) if request.method == "POST" else SubjectSearchForm()
    data = personal_data_get(subject=form.subject) if form.is_bound and form.is_valid() else None
    return TemplateResponse(
        request,
        "supporters/privacy/admin_search.html",
        {
            "form": form,
            "data": data,
            "sections": _sections(data) if data else [],
            "summary": _summary(data) if data else None,
            "subject": data.subject if data else None,
            "erasures": ErasureRecord.objects.select_related("petition", "performed_by")[
                :ERASURE_LOG_LENGTH
            ],
            "page_title": _("Privacy requests"),
            "header_icon": "lock",
        },
    )


@require_POST
@permission_required(PRIVACY_PERMISSION, raise_exception=True)
def subject_export(request: HttpRequest) -> HttpResponse:
    form = SubjectSearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Search for the person first."))
        return redirect("privacy_admin:search")
    site = Site.find_for_request(request)
    controller = SiteSettings.for_site(site).data_controller_name if site else ""
    data = personal_data_get(subject=form.subject)
    body = json.dumps(
        data.as_export(data_controller=controller),
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        indent=2,
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    # The file name says when, never whom: it may sit in a downloads folder for years.
    filename = f"personal-data-{timezone.localtime():%Y-%m-%d-%H%M}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required(PRIVACY_PERMISSION, raise_exception=True)
def subject_erase(request: HttpRequest) -> HttpResponse:
    """First POST (from the results) shows what will go; the second, confirmed, erases."""
    form = ErasureForm(request.POST)
    try:
        subject = data_subject_build(
            email=request.POST.get("email", ""),
            name=request.POST.get("name", ""),
            postcode=request.POST.get("postcode", ""),
        )
    except ApplicationError:
        messages.error(request, _("Search for the person first."))
        return redirect("privacy_admin:search")
    data = personal_data_get(subject=subject)
    if data.is_empty:
        messages.info(request, _("Nothing is held about this person: there is nothing to erase."))
        return redirect("privacy_admin:search")

    if request.POST.get("confirmed") != "yes":
        form = ErasureForm(initial=subject.as_query())
    elif form.is_valid():
        try:
            result = personal_data_erase(
                subject=subject, performed_by=request.user, note=form.cleaned_data["note"]
            )
        except ApplicationError as error:
            form.add_error("note", error.message)
        else:
            messages.success(request, _erased_message(result))
            return redirect("privacy_admin:search")

    return TemplateResponse(
        request,
        "supporters/privacy/admin_confirm_erase.html",
        {
            "form": form,
            "data": data,
            "summary": _summary(data),
            "counts_going_down": _counts_going_down(data),
            "page_title": _("Erase personal data"),
            "header_icon": "lock",
        },
    )


def _erased_message(result) -> str:
    parts = [
        ngettext("%(count)d signature", "%(count)d signatures", result.signatures_deleted)
        % {"count": result.signatures_deleted},
        ngettext(
            "%(count)d contact-form message",
            "%(count)d contact-form messages",
            result.enquiries_deleted,
        )
        % {"count": result.enquiries_deleted},
    ]
    if result.other_removed:
        parts.append(
            ngettext(
                "%(count)d consent-ledger or delivery record",
                "%(count)d consent-ledger or delivery records",
                result.other_removed,
            )
            % {"count": result.other_removed}
        )
    if result.supporters_deleted:
        parts.append(_("their entry on the supporter list"))
    return _("Erased: %(what)s. The erasure log records this without any personal details.") % {
        "what": ", ".join(parts)
    }
