"""Writes for abuse controls: invalidation rules, made as drafts, applied, and restored.

Applying a rule moves the petition's matching counted signatures to ``invalidated`` (they
stay on record) and notes which ones in :class:`RuleInvalidation`, so that restoring the
rule gives back exactly those. Each is a few set-based statements whatever the number of
signatures: applying is one ``UPDATE`` with the rule as its ``WHERE`` and one
``INSERT ... SELECT`` of the rows it moved; restoring one ``UPDATE ... WHERE id IN (...)``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from undersigned.abuse import selectors
from undersigned.abuse.models import InvalidationRule, RuleInvalidation, RuleKind
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text

LOG_APPLY = "abuse.rule_apply"
LOG_RESTORE = "abuse.rule_restore"


class RuleMessages:
    """What an organiser is told when a rule cannot be made or changed as asked."""

    IP_HASH_MISSING = gettext_lazy("Enter the IP hash, as shown under Trending signers")
    IP_HASH_INVALID = gettext_lazy(
        "An IP hash is up to 64 letters and digits with no spaces, as shown under Trending signers"
    )
    DOMAIN_MISSING = gettext_lazy("Enter the email domain, like example.org")
    DOMAIN_INVALID = gettext_lazy(
        "Enter an email domain like example.org, or *.example.org to include its subdomains"
    )
    PATTERN_MISSING = gettext_lazy("Enter a name pattern, like test*")
    PATTERN_ONLY_WILDCARDS = gettext_lazy(
        "A name pattern needs at least one letter or digit besides *: "
        "use a time window to invalidate everyone in a period"
    )
    PATTERN_TOO_LONG = gettext_lazy("A name pattern must be 200 characters or fewer")
    WINDOW_NEEDED = gettext_lazy("A time window rule needs both a start and an end")
    WINDOW_ORDER = gettext_lazy("The end of the window must be after its start")
    ALREADY_APPLIED = gettext_lazy("This rule has already been applied.")
    NOT_APPLIED = gettext_lazy("This rule has not been applied, so there is nothing to restore.")
    ALREADY_RESTORED = gettext_lazy("This rule has already been restored.")
    APPLIED_KEPT = gettext_lazy(
        "An applied rule is kept on record. Restore it to count its signatures again."
    )


_IP_HASH = re.compile(r"[A-Za-z0-9+/=_-]{1,64}")
_DOMAIN = re.compile(r"(\*\.)?[^\s@*.]+(\.[^\s@*.]+)+")


def _refuse(message: Any, field: str) -> ApplicationError:
    return ApplicationError(str(message), extra={"field": field})


def rule_values_clean(
    *,
    kind: str,
    value: str = "",
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The model fields for a rule of ``kind`` with what an organiser typed, normalised.

    Raises :class:`ApplicationError` whose ``extra["field"]`` names the field at fault
    (``value``, ``starts_at`` or ``ends_at``).
    """
    fields: dict[str, Any] = {
        "kind": kind,
        "ip_hash": "",
        "email_domain": "",
        "name_pattern": "",
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    value = clean_text(value or "")
    if kind == RuleKind.IP_HASH:
        if not value:
            raise _refuse(RuleMessages.IP_HASH_MISSING, "value")
        if not _IP_HASH.fullmatch(value):
            raise _refuse(RuleMessages.IP_HASH_INVALID, "value")
        fields["ip_hash"] = value
    elif kind == RuleKind.EMAIL_DOMAIN:
        domain = value.lower().removeprefix("@")
        if not domain:
            raise _refuse(RuleMessages.DOMAIN_MISSING, "value")
        if len(domain) > 254 or not _DOMAIN.fullmatch(domain):
            raise _refuse(RuleMessages.DOMAIN_INVALID, "value")
        fields["email_domain"] = domain
    elif kind == RuleKind.NAME_PATTERN:
        pattern = re.sub(r"\*+", "*", value)
        if not pattern:
            raise _refuse(RuleMessages.PATTERN_MISSING, "value")
        if not pattern.replace("*", "").strip():
            raise _refuse(RuleMessages.PATTERN_ONLY_WILDCARDS, "value")
        if len(pattern) > 200:
            raise _refuse(RuleMessages.PATTERN_TOO_LONG, "value")
        fields["name_pattern"] = pattern
    elif kind == RuleKind.TIME_WINDOW:
        if starts_at is None:
            raise _refuse(RuleMessages.WINDOW_NEEDED, "starts_at")
        if ends_at is None:
            raise _refuse(RuleMessages.WINDOW_NEEDED, "ends_at")
    else:
        raise _refuse(_("Choose a kind of rule."), "kind")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise _refuse(RuleMessages.WINDOW_ORDER, "ends_at")
    return fields


@transaction.atomic
def rule_create(
    *,
    petition: PetitionPage,
    kind: str,
    value: str = "",
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    note: str = "",
    created_by=None,
) -> InvalidationRule:
    """Save a draft rule for ``petition``. Nothing changes for any signature until it is applied."""
    fields = rule_values_clean(kind=kind, value=value, starts_at=starts_at, ends_at=ends_at)
    rule = InvalidationRule.objects.create(
        petition=petition, note=clean_text(note)[:500], created_by=created_by, **fields
    )
    log(instance=rule, action="wagtail.create", user=created_by)
    return rule


def _invalidations_record(*, rule: InvalidationRule, signatures: QuerySet[Signature]) -> None:
    """Note that ``rule`` moved ``signatures``: one ``INSERT ... SELECT``, so that 100,000
    rows never become 100,000 model instances in Python."""
    select, params = signatures.order_by().values(moved_id=F("pk")).query.sql_with_params()
    table = RuleInvalidation._meta.db_table
    rule_column = RuleInvalidation._meta.get_field("rule").column
    signature_column = RuleInvalidation._meta.get_field("signature").column
    # Names come from the models and the values are parameters; both databases take the form.
    sql = (
        f"INSERT INTO {table} ({rule_column}, {signature_column}) "  # noqa: S608
        f"SELECT %s, moved.moved_id FROM ({select}) moved"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [rule.pk, *params])


def _counts_forget(petition_id: int) -> None:
    petition_selectors.petition_counts_forget(petition=PetitionPage(pk=petition_id))


def rule_apply(*, rule: InvalidationRule, performed_by=None) -> InvalidationRule:
    """Stop the rule's matching counted signatures counting; they stay recorded.

    Raises :class:`ApplicationError` if the rule was applied before (restoring it does not
    make it a draft again: make a new rule).
    """
    with transaction.atomic():
        rule = InvalidationRule.objects.select_for_update().get(pk=rule.pk)
        if rule.applied_at is not None:
            raise ApplicationError(str(RuleMessages.ALREADY_APPLIED), extra={"rule": rule.pk})
        now = timezone.now()
        moved = selectors.rule_matches(rule).update(
            state=SignatureState.INVALIDATED, state_changed_at=now
        )
        # The rows just moved are the rule's rows invalidated at exactly ``now``; on
        # PostgreSQL this transaction holds their locks, so nobody changed them since.
        moved_rows = Signature.objects.filter(
            petition_id=rule.petition_id,
            state=SignatureState.INVALIDATED,
            state_changed_at=now,
            anonymised_at__isnull=True,
        ).filter(selectors.rule_condition(rule))
        _invalidations_record(rule=rule, signatures=moved_rows)
        rule.applied_at = now
        rule.signatures_affected = moved
        rule.save(update_fields=["applied_at", "signatures_affected"])
        log(instance=rule, action=LOG_APPLY, user=performed_by, data={"signatures": moved})
        petition_id = rule.petition_id
        transaction.on_commit(lambda: _counts_forget(petition_id))
    return rule


@dataclass(frozen=True)
class RuleRestoreResult:
    rule: InvalidationRule
    restored: int  # signatures that count again
    left: int  # of those the rule invalidated, the ones changed since and so left as they are


def rule_restore(*, rule: InvalidationRule, performed_by=None) -> RuleRestoreResult:
    """Count again the signatures the rule invalidated, where nobody changed them since.

    See :func:`undersigned.abuse.selectors.rule_signatures_to_restore` for which ones are
    left alone. Raises :class:`ApplicationError` for a rule never applied or already restored.
    """
    with transaction.atomic():
        rule = InvalidationRule.objects.select_for_update().get(pk=rule.pk)
        if rule.applied_at is None:
            raise ApplicationError(str(RuleMessages.NOT_APPLIED), extra={"rule": rule.pk})
        if rule.restored_at is not None:
            raise ApplicationError(str(RuleMessages.ALREADY_RESTORED), extra={"rule": rule.pk})
        now = timezone.now()
        restored = selectors.rule_signatures_to_restore(rule).update(
            state=SignatureState.COUNTED, state_changed_at=now
        )
        rule.restored_at = now
        rule.save(update_fields=["restored_at"])
        log(instance=rule, action=LOG_RESTORE, user=performed_by, data={"signatures": restored})
        petition_id = rule.petition_id
        transaction.on_commit(lambda: _counts_forget(petition_id))
    return RuleRestoreResult(
        rule=rule, restored=restored, left=max(0, rule.signatures_affected - restored)
    )


@transaction.atomic
def rule_delete(*, rule: InvalidationRule, performed_by=None) -> None:
    """Throw away a draft rule. An applied rule is evidence of what was done and stays."""
    rule = InvalidationRule.objects.select_for_update().get(pk=rule.pk)
    if rule.applied_at is not None:
        raise ApplicationError(str(RuleMessages.APPLIED_KEPT), extra={"rule": rule.pk})
    log(instance=rule, action="wagtail.delete", user=performed_by)
    rule.delete()
