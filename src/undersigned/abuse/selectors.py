"""Reads for abuse controls: who is signing unusually often, and what an invalidation rule matches.

Trending signers are grouped by hour **in UTC**: UTC has no repeated or missing hour when the
clocks change, and the site's own zone (Europe/London) differs from it by whole hours, so the
buckets are the same hours an organiser sees in local time (the admin shows them that way).
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, TextChoices, Value, When
from django.db.models.functions import Lower, Reverse, Right, StrIndex
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.abuse.models import AbuseSettings, InvalidationRule, RuleInvalidation, RuleKind
from undersigned.petitions.models import PetitionPage, Signature, SignatureSource, SignatureState

HOUR = datetime.timedelta(hours=1)
TRENDING_DEFAULT_HOURS = 48
TRENDING_MAX_HOURS = 31 * 24
PREVIEW_EXAMPLES = 5


# Trending signers


@dataclass(frozen=True)
class TrendingRow:
    """A connection (IP hash) or email domain behind an unusual share of an hour's signatures."""

    hour: datetime.datetime  # start of the hour (aware, UTC)
    kind: str  # RuleKind.IP_HASH or RuleKind.EMAIL_DOMAIN
    value: str
    count: int  # its signatures in that hour (every state but duplicate)
    hour_total: int  # all signatures in that hour (every state but duplicate)
    share: float  # percent of hour_total
    counted: int  # of ``count``, how many still count (0 once a rule or a moderator dealt with it)

    @property
    def hour_end(self) -> datetime.datetime:
        return self.hour + HOUR


def trending_thresholds() -> tuple[int, int]:
    """(fewest signatures, smallest share in percent) for a signer to be flagged in an hour."""
    settings = AbuseSettings.load()
    return max(1, settings.trending_min_signatures), settings.trending_min_share_percent


def _hour_start(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def _hour_number(since: datetime.datetime, hours: int) -> Case | Value:
    """Which hour after ``since`` (0, 1, ...) a signature was made in, by comparisons alone.

    A tree of ``CASE`` halving the range at each level: about log2(hours) comparisons a row.
    ``TruncHour`` says the same, but on SQLite it calls into Python for every row, which
    made a 100,000-row window several times slower.
    """

    def split(first: int, last: int) -> Case | Value:
        if last - first <= 1:
            return Value(first)
        middle = (first + last) // 2
        return Case(
            When(created_at__lt=since + middle * HOUR, then=split(first, middle)),
            default=split(middle, last),
            output_field=IntegerField(),
        )

    return split(0, hours)


def email_domain_expression():
    """The lower-cased part of ``email`` after its last ``@`` (a quoted local part may hold one)."""
    after_last_at = StrIndex(Reverse("email"), Value("@")) - Value(1)
    return Lower(Right("email", after_last_at))


def trending_signers(
    *,
    petition: PetitionPage,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> list[TrendingRow]:
    """Per hour, the IP hashes and email domains behind an unusual share of the signatures.

    A value is flagged in an hour when it made at least ``trending_min_signatures`` of that
    hour's signatures and at least ``trending_min_share_percent`` of them (abuse settings).
    Only signatures made online are looked at (paper ones come in by the sheet), and every
    state but ``duplicate``: suspect rows (over a rate limit) are exactly what an attack
    leaves, and invalidated ones show that an attack was dealt with, while a duplicate is one
    person sending the form again and never counts anyway.

    ``since`` (rounded down to the hour) and ``until`` (excluded) bound the scan to the
    (petition, created_at) index; by default the last 48 hours, at most 31 days. Three
    ``GROUP BY`` queries count: the hours' totals, then IP hashes and email domains, each with
    a ``HAVING`` that drops every group below the lowest hour's bar, so only a few rows leave
    the database; each hour's own bar is applied to those. Rows come newest hour first, then
    largest first.
    """
    until = until or timezone.now()
    since = _hour_start(since or until - TRENDING_DEFAULT_HOURS * HOUR)
    hours = math.ceil((until - since) / HOUR)
    if hours > TRENDING_MAX_HOURS:
        raise ValueError(f"trending_signers looks at {TRENDING_MAX_HOURS} hours at most")
    if hours <= 0:
        return []
    min_signatures, min_share = trending_thresholds()

    signatures = (
        Signature.objects.filter(
            petition=petition,
            created_at__gte=since,
            created_at__lt=until,
            # Paper sheets are typed in by the organisers, thousands in a minute: they would
            # swell an hour's total and hide a flood of online signatures within it.
            source=SignatureSource.ONLINE,
        )
        .exclude(state=SignatureState.DUPLICATE)
        .annotate(hour=_hour_number(since, hours))
        .order_by()
    )
    totals = {
        since + hour * HOUR: total
        for hour, total in signatures.values("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    }
    # Each hour's bar: the larger of the fewest signatures and that share of the hour's total.
    # Hours whose bar is above their own total cannot flag anything and are left out.
    bars = {}
    for hour, total in totals.items():
        minimum = max(min_signatures, -(-total * min_share // 100))
        if minimum <= total:
            bars[hour] = minimum
    if not bars:
        return []
    by_ip = signatures.exclude(ip_hash="").values("hour", value=F("ip_hash"))
    by_domain = signatures.exclude(email="").values("hour", value=email_domain_expression())

    rows: list[TrendingRow] = []
    for kind, grouped in ((RuleKind.IP_HASH, by_ip), (RuleKind.EMAIL_DOMAIN, by_domain)):
        flagged = (
            grouped.annotate(
                n=Count("pk"), still_counted=Count("pk", filter=Q(state=SignatureState.COUNTED))
            )
            .filter(n__gte=min(bars.values()))
            .values_list("hour", "value", "n", "still_counted")
        )
        for number, value, count, still_counted in flagged:
            hour = since + number * HOUR
            if count < bars.get(hour, count + 1):
                continue
            total = totals[hour]
            rows.append(
                TrendingRow(
                    hour=hour,
                    kind=kind,
                    value=value,
                    count=count,
                    hour_total=total,
                    share=count * 100 / total,
                    counted=still_counted,
                )
            )
    rows.sort(key=lambda row: (-row.hour.timestamp(), -row.count, row.kind, row.value))
    return rows


# Invalidation rules


def name_pattern_regex(pattern: str) -> str:
    """An anchored regular expression for a name pattern: ``*`` is any run of characters and
    everything else stands for itself (``%``, ``_``, ``.``, brackets... are escaped)."""
    pieces = [re.escape(piece) for piece in pattern.split("*")]
    return "^" + ".*".join(pieces) + "$"


def rule_condition(rule: InvalidationRule) -> Q:
    """What a signature must satisfy to fall under ``rule`` (whatever its state).

    - IP hash: exactly that hash.
    - Email domain: exactly that domain after the ``@``, in any case, not its subdomains (a
      rule for ``example.org`` leaves ``mail.example.org`` alone); ``*.example.org`` means the
      domain and every subdomain of it.
    - Name pattern: the whole name, in any case (see :func:`name_pattern_regex`). The
      pattern is escaped, never run as a regular expression someone typed.
    - Time window, and any other rule given one: signed at or after ``starts_at`` and
      before ``ends_at``.
    """
    condition = Q()
    if rule.kind == RuleKind.IP_HASH:
        condition &= Q(ip_hash=rule.ip_hash)
    elif rule.kind == RuleKind.EMAIL_DOMAIN:
        domain = rule.email_domain.lower()
        if domain.startswith("*."):
            domain = domain[2:]
            condition &= Q(email__iendswith="@" + domain) | Q(email__iendswith="." + domain)
        else:
            condition &= Q(email__iendswith="@" + domain)
    elif rule.kind == RuleKind.NAME_PATTERN:
        condition &= Q(name__iregex=name_pattern_regex(rule.name_pattern))
    if rule.starts_at is not None:
        condition &= Q(created_at__gte=rule.starts_at)
    if rule.ends_at is not None:
        condition &= Q(created_at__lt=rule.ends_at)
    return condition


def rule_matches(rule: InvalidationRule) -> QuerySet[Signature]:
    """The counted signatures of the rule's petition that the rule would stop counting.

    Signatures anonymised by retention are never matched: their petition was finished long
    ago, and the count on record then (the one handed in) stays as it was.
    """
    return Signature.objects.filter(
        petition_id=rule.petition_id,
        state=SignatureState.COUNTED,
        anonymised_at__isnull=True,
    ).filter(rule_condition(rule))


@dataclass(frozen=True)
class PreviewExample:
    """A matching signature shown without giving anyone away: initials and postcode district."""

    initials: str
    district: str
    signed_at: datetime.datetime


@dataclass(frozen=True)
class RulePreview:
    count: int
    examples: list[PreviewExample]


def name_initials(name: str) -> str:
    """``"Ada King Lovelace"`` -> ``"A. K. L."``: enough to recognise a pattern, not a person."""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[0].isalnum())


def postcode_district(postcode: str) -> str:
    """The outward code of a normalised postcode (``"CR0 1NY"`` -> ``"CR0"``)."""
    return postcode.split(" ")[0] if postcode else ""


def rule_preview(rule: InvalidationRule) -> RulePreview:
    """How many counted signatures ``rule`` would stop counting, with a few, earliest first."""
    matches = rule_matches(rule)
    examples = [
        PreviewExample(
            initials=name_initials(name), district=postcode_district(postcode), signed_at=signed_at
        )
        for name, postcode, signed_at in matches.order_by("created_at", "pk").values_list(
            "name", "postcode", "created_at"
        )[:PREVIEW_EXAMPLES]
    ]
    return RulePreview(count=matches.count(), examples=examples)


def rule_signatures_to_restore(rule: InvalidationRule) -> QuerySet[Signature]:
    """The signatures that restoring ``rule`` counts again: those it moved, left as it left them.

    A signature the rule invalidated is left alone if anyone changed it since (its
    ``state_changed_at`` is later than the rule's ``applied_at``): a moderator restored it
    by hand (it counts already), or restored and invalidated it again (their call), or a
    later rule invalidated it again (that rule's to restore). One anonymised by retention
    since stays as it is, like the count handed in.
    """
    if rule.applied_at is None:
        return Signature.objects.none()
    return Signature.objects.filter(
        petition_id=rule.petition_id,
        pk__in=RuleInvalidation.objects.filter(rule=rule).values("signature_id"),
        state=SignatureState.INVALIDATED,
        state_changed_at__lte=rule.applied_at,
        anonymised_at__isnull=True,
    )


class RuleState(TextChoices):
    DRAFT = "draft", _("Draft: not applied")
    APPLIED = "applied", _("Applied")
    RESTORED = "restored", _("Restored")


def rule_state(rule: InvalidationRule) -> str:
    """``draft`` (not applied yet), ``applied`` (its signatures do not count) or ``restored``."""
    if rule.restored_at is not None:
        return RuleState.RESTORED
    if rule.applied_at is not None:
        return RuleState.APPLIED
    return RuleState.DRAFT


def rule_list(*, petition: PetitionPage) -> QuerySet[InvalidationRule]:
    """A petition's rules, newest first, with who made them."""
    return (
        InvalidationRule.objects.filter(petition=petition)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def rule_get(*, rule_id: int) -> InvalidationRule | None:
    return (
        InvalidationRule.objects.select_related("petition", "created_by").filter(pk=rule_id).first()
    )


def rule_counts_in_force() -> dict[int, int]:
    """Per petition id, how many of its rules are applied and not restored."""
    return dict(
        InvalidationRule.objects.filter(applied_at__isnull=False, restored_at__isnull=True)
        .order_by()
        .values("petition_id")
        .annotate(n=Count("pk"))
        .values_list("petition_id", "n")
    )
