"""Records about supporters' personal data that must outlive the data itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ErasureKind(models.TextChoices):
    REQUEST = "request", _("Erasure on request")
    RETENTION = "retention", _("Removed after the retention period")


class ErasureRecord(models.Model):
    """That personal data was removed, when, why and how much: never whose.

    Kept so that an organiser can show a regulator (or a signer) that a request was acted on,
    and so that totals that went down can be explained.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ErasureKind.choices)
    petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("petition"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signatures_affected = models.PositiveIntegerField(_("signatures affected"), default=0)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    performed_at = models.DateTimeField(_("performed at"), default=timezone.now)
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("Why, in words that identify nobody (e.g. \u201crequest by email\u201d)."),
    )

    class Meta:
        verbose_name = _("erasure record")
        ordering = ["-performed_at"]
        constraints = [
            models.CheckConstraint(
                name="erasure_kind_is_known", condition=Q(kind__in=ErasureKind.values)
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()}: {self.signatures_affected} ({self.performed_at:%Y-%m-%d})"
        )


# The consent ledger


class ConsentScope(models.TextChoices):
    PETITION_UPDATES = "petition_updates", _("Updates about this petition and other local issues")


class ConsentKind(models.TextChoices):
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentSource(models.TextChoices):
    SIGN_FORM = "sign_form", _("Sign form")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
    ORGANISER = "organiser", _("Organiser, on the person's request")
    ERASURE = "erasure", _("Erasure")


class ConsentEvent(models.Model):
    """One entry in the consent ledger: an email's consent given or withdrawn, never edited.

    A given consent keeps the exact wording shown and its version, so that what a person
    agreed to stays provable after the text on the site has changed.
    """

    # As for signatures: no reference-index task queued for each consent given while signing.
    wagtail_reference_index_ignore = True

    email = models.EmailField(_("email"), max_length=254)
    petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    scope = models.CharField(
        _("what was agreed"),
        max_length=32,
        choices=ConsentScope.choices,
        default=ConsentScope.PETITION_UPDATES,
    )
    wording = models.TextField(_("wording shown"), blank=True)
    wording_version = models.CharField(_("wording version"), max_length=32, blank=True)
    kind = models.CharField(_("consent"), max_length=16, choices=ConsentKind.choices)
    source = models.CharField(_("how"), max_length=32, choices=ConsentSource.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    signature = models.ForeignKey(
        "petitions.Signature",
        verbose_name=_("signature"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The organiser who recorded it, when it was not the person themself."),
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent ledger")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["email", "occurred_at"], name="consent_email_when"),
            models.Index(fields=["petition", "email"], name="consent_petition_email"),
        ]
        constraints = [
            models.CheckConstraint(
                name="consent_kind_is_known", condition=Q(kind__in=ConsentKind.values)
            ),
            models.CheckConstraint(
                name="consent_source_is_known", condition=Q(source__in=ConsentSource.values)
            ),
            models.CheckConstraint(
                name="consent_scope_is_known", condition=Q(scope__in=ConsentScope.values)
            ),
            models.CheckConstraint(
                name="consent_given_keeps_its_wording",
                condition=Q(kind=ConsentKind.WITHDRAWN) | (~Q(wording="") & ~Q(wording_version="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_kind_display()} ({self.occurred_at:%Y-%m-%d %H:%M})"


# Updates emailed to signers


class UpdateState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class PetitionUpdate(models.Model):
    """News about a petition, written by an organiser and emailed to signers who asked for it."""

    petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="updates",
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(
        _("message"),
        max_length=20_000,
        help_text=_(
            "Plain text. Leave a blank line between paragraphs; web addresses become links. "
            "An unsubscribe link is added at the end."
        ),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=UpdateState.choices, default=UpdateState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    queued_at = models.DateTimeField(_("send pressed"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("finished sending"), null=True, blank=True, editable=False)
    recipient_total = models.PositiveIntegerField(_("recipients"), default=0, editable=False)
    sent_count = models.PositiveIntegerField(_("sent"), default=0, editable=False)

    class Meta:
        verbose_name = _("update to signers")
        verbose_name_plural = _("updates to signers")
        ordering = ["-created_at", "-pk"]
        permissions = [("send_petitionupdate", "Can send updates to signers")]
        constraints = [
            models.CheckConstraint(
                name="update_state_is_known", condition=Q(state__in=UpdateState.values)
            ),
            models.CheckConstraint(
                name="update_sent_at_most_its_recipients",
                condition=Q(sent_count__lte=models.F("recipient_total")),
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_draft(self) -> bool:
        return self.state == UpdateState.DRAFT

    @property
    def progress_label(self) -> str:
        """Sent out of recipients, e.g. "120 / 300", once sending has started."""
        if self.state in (UpdateState.DRAFT, UpdateState.QUEUED):
            return "\u2013"
        return f"{self.sent_count:,} / {self.recipient_total:,}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent: unsubscribed before it went")


class UpdateDelivery(models.Model):
    """One update to one email address: claimed before the mail server is called, so that
    a crash and a retry never send it twice."""

    update = models.ForeignKey(
        PetitionUpdate,
        verbose_name=_("update"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    email = models.EmailField(_("email"), max_length=254)
    state = models.CharField(
        _("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("update delivery")
        verbose_name_plural = _("update deliveries")
        indexes = [models.Index(fields=["update", "state"], name="delivery_update_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["update", "email"], name="one_delivery_per_email_per_update"
            ),
            models.CheckConstraint(
                name="delivery_state_is_known", condition=Q(state__in=DeliveryState.values)
            ),
            models.CheckConstraint(
                name="delivery_sent_has_time",
                condition=~Q(state=DeliveryState.SENT) | Q(sent_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_state_display()}"
