"""Abuse controls' data: site-wide limits and kill switches, shared counters, invalidation rules.

The spent one-time tokens (:class:`SpentToken`) are the database fallback for what Redis
holds when ``REDIS_URL`` is set, so that several worker processes on one machine share them;
nothing here lives in one process's memory. (Rate limits need no table of their own here: the
signatures table records who signed when.)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="warning")
class AbuseSettings(BaseGenericSetting):
    """Limits and kill switches an organiser can change in the admin during an attack."""

    per_petition_limit = models.PositiveIntegerField(
        _("signatures per connection per petition"),
        default=30,
        help_text=_(
            "Within the window below, signatures from one internet connection to one petition "
            "beyond this number are kept as suspect and not counted. Households, offices and "
            "mobile networks share connections: keep it generous."
        ),
    )
    overall_limit = models.PositiveIntegerField(
        _("signatures per connection across all petitions"),
        default=100,
        help_text=_("The same, counted across every petition on the site."),
    )
    window_minutes = models.PositiveIntegerField(
        _("window (minutes)"),
        default=60,
        help_text=_("The period the two limits above are counted over."),
    )
    signing_paused = models.BooleanField(
        _("pause signing on every petition"),
        default=False,
        help_text=_("A kill switch: the sign forms are replaced by the message below."),
    )
    signing_paused_message = models.TextField(
        _("message while signing is paused"),
        blank=True,
        help_text=_("Shown instead of the sign form. Leave empty for a standard message."),
    )
    breakdowns_paused = models.BooleanField(
        _("turn support breakdowns off"),
        default=False,
        help_text=_(
            "Hides the support-by-area section on public pages, to spare the database under "
            "heavy load. The admin still shows it."
        ),
    )
    proof_of_work_difficulty = models.PositiveIntegerField(
        _("proof-of-work difficulty"),
        default=50_000,
        help_text=_(
            "On petitions that ask for proof of work, the browser tries on average half this "
            "many hashes before it may sign (about half a second on a phone at 50,000)."
        ),
    )
    trending_min_signatures = models.PositiveIntegerField(
        _("trending: fewest signatures to flag"),
        default=20,
        help_text=_("A connection or email domain is flagged in an hour only from this many."),
    )
    trending_min_share_percent = models.PositiveIntegerField(
        _("trending: share of the hour to flag (%)"),
        default=10,
        help_text=_("…and only if it made at least this share of that hour's signatures."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("per_petition_limit"),
                FieldPanel("overall_limit"),
                FieldPanel("window_minutes"),
            ],
            heading=_("Rate limits"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("signing_paused"),
                FieldPanel("signing_paused_message"),
                FieldPanel("breakdowns_paused"),
            ],
            heading=_("Kill switches"),
        ),
        FieldPanel("proof_of_work_difficulty"),
        MultiFieldPanel(
            [FieldPanel("trending_min_signatures"), FieldPanel("trending_min_share_percent")],
            heading=_("Trending signers"),
        ),
    ]

    class Meta:
        verbose_name = _("abuse controls")
        constraints = [
            models.CheckConstraint(name="abuse_window_positive", condition=Q(window_minutes__gt=0)),
            models.CheckConstraint(
                name="abuse_share_is_a_percentage",
                condition=Q(trending_min_share_percent__lte=100),
            ),
        ]


class SpentToken(models.Model):
    """A one-time token already used (a solved proof-of-work challenge), kept until it expires."""

    token = models.CharField(max_length=200, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("spent token")

    def __str__(self) -> str:
        return self.token


class RuleKind(models.TextChoices):
    IP_HASH = "ip_hash", _("Internet connection (IP hash)")
    EMAIL_DOMAIN = "email_domain", _("Email domain")
    TIME_WINDOW = "time_window", _("Time window")
    NAME_PATTERN = "name_pattern", _("Name pattern")


class InvalidationRule(models.Model):
    """A rule that stopped a set of a petition's signatures counting, and can restore them.

    Every rule may be narrowed by a time window; a ``time_window`` rule is only that.
    Which signatures a rule moved is kept in :class:`RuleInvalidation`, so that restoring
    it gives back exactly those and not ones a moderator invalidated by hand.
    """

    petition = models.ForeignKey(
        "petitions.PetitionPage", on_delete=models.CASCADE, related_name="invalidation_rules"
    )
    kind = models.CharField(_("rule"), max_length=16, choices=RuleKind.choices)
    ip_hash = models.CharField(_("IP hash"), max_length=64, blank=True)
    email_domain = models.CharField(_("email domain"), max_length=254, blank=True)
    name_pattern = models.CharField(
        _("name pattern"),
        max_length=200,
        blank=True,
        help_text=_(
            "Case-insensitive; * stands for any run of characters, e.g. \u201ctest*\u201d."
        ),
    )
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    restored_at = models.DateTimeField(_("restored"), null=True, blank=True)
    signatures_affected = models.PositiveIntegerField(_("signatures invalidated"), default=0)
    signatures = models.ManyToManyField(
        "petitions.Signature", through="RuleInvalidation", related_name="invalidation_rules"
    )

    class Meta:
        verbose_name = _("invalidation rule")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="invalidation_rule_kind_is_known", condition=Q(kind__in=RuleKind.values)
            ),
            models.CheckConstraint(
                name="invalidation_rule_has_its_value",
                condition=(Q(kind="ip_hash") & ~Q(ip_hash=""))
                | (Q(kind="email_domain") & ~Q(email_domain=""))
                | (Q(kind="name_pattern") & ~Q(name_pattern=""))
                | (Q(kind="time_window") & Q(starts_at__isnull=False, ends_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="invalidation_rule_window_in_order",
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
            ),
            models.CheckConstraint(
                name="invalidation_rule_restored_after_applied",
                condition=Q(restored_at__isnull=True) | Q(applied_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.petition_id})"


class RuleInvalidation(models.Model):
    """One signature that an invalidation rule moved from counted to invalidated."""

    rule = models.ForeignKey(InvalidationRule, on_delete=models.CASCADE, related_name="+")
    signature = models.ForeignKey("petitions.Signature", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "signature"], name="rule_invalidation_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} -> {self.signature_id}"
