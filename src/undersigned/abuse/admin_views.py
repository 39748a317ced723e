"""Organisers' abuse pages in the Wagtail admin: trending signers and invalidation rules.

Thin views over :mod:`undersigned.abuse.selectors` and :mod:`undersigned.abuse.services`;
everything is a plain form post (no JavaScript), and needs "Can invalidate and restore
signatures" (``petitions.moderate_signature``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from undersigned.abuse import selectors, services
from undersigned.abuse.forms import InvalidationRuleForm, TrendingPeriodForm
from undersigned.abuse.models import InvalidationRule
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions.models import PetitionPage
from undersigned.site.errors import ApplicationError

PERMISSION = "petitions.moderate_signature"
_PREFILL_FORMAT = "%Y-%m-%dT%H:%M"
_PREFILL_FIELDS = ("kind", "value", "starts_at", "ends_at", "note")


def _rule_or_404(rule_id: int) -> InvalidationRule:
    rule = selectors.rule_get(rule_id=rule_id)
    if rule is None:
        raise Http404
    return rule


@permission_required(PERMISSION, raise_exception=True)
def abuse_index(request: HttpRequest) -> HttpResponse:
    """Every petition, with the way to its trending signers and its rules."""
    in_force = selectors.rule_counts_in_force()
    rows = [
        {"petition": petition, "rules_in_force": in_force.get(petition.pk, 0)}
        for petition in petition_selectors.petition_list_for_admin()
    ]
    return TemplateResponse(
        request,
        "abuse/admin/index.html",
        {"rows": rows, "page_title": _("Trending and rules"), "header_icon": "warning"},
    )


def _rule_prefill_url(petition: PetitionPage, row: selectors.TrendingRow) -> str:
    start = timezone.localtime(row.hour)
    end = timezone.localtime(row.hour_end)
    note = _("Trending: %(share)s%% of the signatures from %(start)s to %(end)s") % {
        "share": f"{row.share:.0f}",
        "start": date_format(start, "j M Y H:i"),
        "end": date_format(end, "H:i"),
    }
    query = {
        "kind": row.kind,
        "value": row.value,
        "starts_at": start.strftime(_PREFILL_FORMAT),
        "ends_at": end.strftime(_PREFILL_FORMAT),
        "note": note,
    }
    return reverse("abuse_admin:rules", args=[petition.pk]) + "?" + urlencode(query) + "#new-rule"


@permission_required(PERMISSION, raise_exception=True)
def petition_trending(request: HttpRequest, petition_id: int) -> HttpResponse:
    """Per hour, the connections and email domains behind an unusual share of signatures."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    period = TrendingPeriodForm(request.GET if "hours" in request.GET else {"hours": "48"})
    hours = (period.is_valid() and period.cleaned_data["hours"]) or 48
    until = timezone.now()
    rows = selectors.trending_signers(
        petition=petition, since=until - hours * selectors.HOUR, until=until
    )
    by_hour: list[dict] = []
    for row in rows:
        if not by_hour or by_hour[-1]["hour"] != row.hour:
            by_hour.append(
                {"hour": row.hour, "end": row.hour_end, "total": row.hour_total, "rows": []}
            )
        by_hour[-1]["rows"].append({"row": row, "rule_url": _rule_prefill_url(petition, row)})
    min_signatures, min_share = selectors.trending_thresholds()
    return TemplateResponse(
        request,
        "abuse/admin/trending.html",
        {
            "petition": petition,
            "hours": by_hour,
            "period": period,
            "period_hours": hours,
            "min_signatures": min_signatures,
            "min_share": min_share,
            "page_title": _("Trending signers"),
            "page_subtitle": petition.title,
            "header_icon": "warning",
        },
    )


def _rules_page(
    request: HttpRequest, petition: PetitionPage, form: InvalidationRuleForm, *, status: int = 200
) -> HttpResponse:
    rules = [
        {"rule": rule, "state": selectors.rule_state(rule)}
        for rule in selectors.rule_list(petition=petition)
    ]
    return TemplateResponse(
        request,
        "abuse/admin/rules.html",
        {
            "petition": petition,
            "rules": rules,
            "form": form,
            "count": petition_selectors.signature_count(petition=petition),
            "page_title": _("Invalidation rules"),
            "page_subtitle": petition.title,
            "header_icon": "warning",
        },
        status=status,
    )


@permission_required(PERMISSION, raise_exception=True)
def petition_rules(request: HttpRequest, petition_id: int) -> HttpResponse:
    """A petition's rules, and the form for a new one (prefilled from Trending signers)."""
    petition = get_object_or_404(PetitionPage, pk=petition_id)
    if request.method != "POST":
        initial = {name: request.GET[name] for name in _PREFILL_FIELDS if name in request.GET}
        return _rules_page(request, petition, InvalidationRuleForm(initial=initial))
    form = InvalidationRuleForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, petition, form, status=400)
    data = form.cleaned_data
    try:
        rule = services.rule_create(
            petition=petition,
            kind=data["kind"],
            value=data["value"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            note=data["note"],
            created_by=request.user,
        )
    except ApplicationError as error:  # pragma: no cover - the form checked the same rules
        form.add_error(None, error.message)
        return _rules_page(request, petition, form, status=400)
    return redirect("abuse_admin:rule", rule_id=rule.pk)


@permission_required(PERMISSION, raise_exception=True)
def rule_detail(request: HttpRequest, rule_id: int) -> HttpResponse:
    """A draft rule's preview (how many counted signatures it would stop counting), or what an
    applied or restored rule did."""
    rule = _rule_or_404(rule_id)
    state = selectors.rule_state(rule)
    context = {
        "rule": rule,
        "petition": rule.petition,
        "state": state,
        "page_title": _("Invalidation rule"),
        "page_subtitle": rule.petition.title,
        "header_icon": "warning",
    }
    if state == selectors.RuleState.DRAFT:
        context["preview"] = selectors.rule_preview(rule)
    elif state == selectors.RuleState.APPLIED:
        context["restorable"] = selectors.rule_signatures_to_restore(rule).count()
    return TemplateResponse(request, "abuse/admin/rule.html", context)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def rule_apply(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    try:
        rule = services.rule_apply(rule=rule, performed_by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("abuse_admin:rule", rule_id=rule.pk)
    count = rule.signatures_affected
    messages.success(
        request,
        ngettext(
            "%(count)s signature no longer counts. It is kept on record, and restoring the "
            "rule counts it again.",
            "%(count)s signatures no longer count. They are kept on record, and restoring the "
            "rule counts them again.",
            count,
        )
        % {"count": intcomma(count)},
    )
    previewed = request.POST.get("previewed", "")
    if previewed.isdigit() and int(previewed) != count:
        messages.warning(
            request,
            _("The preview showed %(previewed)s: signatures came or went in between.")
            % {"previewed": intcomma(int(previewed))},
        )
    return redirect("abuse_admin:rules", petition_id=rule.petition_id)


@permission_required(PERMISSION, raise_exception=True)
def rule_restore(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Asks first (GET), then counts the rule's signatures again (POST)."""
    rule = _rule_or_404(rule_id)
    if request.method != "POST":
        if selectors.rule_state(rule) != selectors.RuleState.APPLIED:
            messages.error(request, _("Only an applied rule can be restored."))
            return redirect("abuse_admin:rule", rule_id=rule.pk)
        return TemplateResponse(
            request,
            "abuse/admin/confirm_restore.html",
            {
                "rule": rule,
                "petition": rule.petition,
                "restorable": selectors.rule_signatures_to_restore(rule).count(),
                "page_title": _("Restore rule"),
                "page_subtitle": rule.petition.title,
                "header_icon": "warning",
            },
        )
    try:
        result = services.rule_restore(rule=rule, performed_by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("abuse_admin:rule", rule_id=rule.pk)
    message = ngettext(
        "%(count)s signature counts again.", "%(count)s signatures count again.", result.restored
    ) % {"count": intcomma(result.restored)}
    if result.left:
        message += " " + ngettext(
            "%(count)s was changed since the rule was applied and is left as it is.",
            "%(count)s were changed since the rule was applied and are left as they are.",
            result.left,
        ) % {"count": intcomma(result.left)}
    messages.success(request, message)
    return redirect("abuse_admin:rules", petition_id=rule.petition_id)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    try:
        services.rule_delete(rule=rule, performed_by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("abuse_admin:rule", rule_id=rule.pk)
    messages.success(request, _("The draft rule is deleted. No signature was changed."))
    return redirect("abuse_admin:rules", petition_id=rule.petition_id)
