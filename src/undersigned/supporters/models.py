"""The supporter list, the consent ledger, updates and their deliveries, and erasure records."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Trim
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
    CONFIRMED = "confirmed", _("Confirmed by email")
    LAPSED = "lapsed", _("Lapsed: not confirmed in time")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentSource(models.TextChoices):
    SIGN_FORM = "sign_form", _("Sign form")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
    CONFIRMATION_PAGE = "confirmation_page", _("Confirmation page")
    CONFIRMATION_WINDOW = "confirmation_window", _("Not confirmed within the window")
    ORGANISER = "organiser", _("Organiser, on the person's request")
    ERASURE = "erasure", _("Erasure")
    API = "api", _("Through the API (a campaign tool's key)")


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
                condition=~Q(kind=ConsentKind.GIVEN) | (~Q(wording="") & ~Q(wording_version="")),
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


class UpdateAudience(models.TextChoices):
    """Who an update goes to. Whatever the audience, only confirmed supporters receive it."""

    PETITION = "petition", _("People who signed this petition and asked for updates")
    EVERYONE = "everyone", _("Every confirmed supporter")
    AREAS = "areas", _("Supporters in the wards, constituencies or councils chosen below")


class PetitionUpdate(models.Model):
    """News written by an organiser and emailed to confirmed supporters: those who signed its
    petition (the default), everyone, or those in chosen areas.

    ``petition`` is the petition the update is from whatever the audience: its organiser
    signs the email, and the unsubscribe link and the retention of the delivery records
    follow it.
    """

    petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="updates",
        help_text=_("The petition this update is from: its organiser's name signs the email."),
    )
    audience = models.CharField(
        _("send to"),
        max_length=16,
        choices=UpdateAudience.choices,
        default=UpdateAudience.PETITION,
    )
    wards = models.ManyToManyField(
        "places.Ward", verbose_name=_("wards"), blank=True, related_name="+"
    )
    constituencies = models.ManyToManyField(
        "places.Constituency", verbose_name=_("constituencies"), blank=True, related_name="+"
    )
    councils = models.ManyToManyField(
        "places.LocalAuthority", verbose_name=_("councils"), blank=True, related_name="+"
    )
    signed_petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("only those who also signed"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Optional: narrow the chosen areas to people who signed this petition."),
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
                name="update_audience_is_known", condition=Q(audience__in=UpdateAudience.values)
            ),
            models.CheckConstraint(
                name="update_signed_petition_only_narrows_areas",
                condition=Q(signed_petition__isnull=True) | Q(audience=UpdateAudience.AREAS),
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


# The supporter list: one person by email, across petitions


class SupporterStatus(models.TextChoices):
    """Where a person's email sign-up stands. Only ``confirmed`` supporters receive updates."""

    UNCONFIRMED = "unconfirmed", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    LAPSED = "lapsed", _("Lapsed: not confirmed in time")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


def supporter_reference_new() -> str:
    """An opaque, unguessable reference for links in emails: it says nothing about the person."""
    return secrets.token_urlsafe(18)


class Supporter(models.Model):
    """One person on the supporter list, by normalised email, made from the consents they gave.

    The consent ledger (:class:`ConsentEvent`) stays the record of what was agreed and when;
    this row is the list an update is sent from: the person's latest name, postcode and
    areas, where they first signed up, and whether they confirmed the address is theirs.
    Links in emails carry ``reference``, never the address.
    """

    wagtail_reference_index_ignore = True

    email = models.EmailField(_("email"), max_length=254)
    reference = models.CharField(
        _("reference"), max_length=32, default=supporter_reference_new, editable=False
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    ward_code = models.CharField(_("ward"), max_length=9, blank=True)
    constituency_code = models.CharField(_("constituency"), max_length=9, blank=True)
    local_authority_code = models.CharField(_("council"), max_length=9, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SupporterStatus.choices,
        default=SupporterStatus.UNCONFIRMED,
    )
    source_petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("signed up on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_up_at = models.DateTimeField(_("signed up"), default=timezone.now)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("supporter")
        ordering = ["-signed_up_at", "-pk"]
        permissions = [("export_supporter", "Can export confirmed supporters as CSV")]
        indexes = [
            models.Index(fields=["status", "ward_code"], name="supporter_status_ward"),
            models.Index(
                fields=["status", "constituency_code"], name="supporter_status_constituency"
            ),
            models.Index(
                fields=["status", "local_authority_code"], name="supporter_status_council"
            ),
            models.Index(fields=["signed_up_at"], name="supporter_signed_up"),
            # The admin's list, newest first, pages through this without sorting the table.
            models.Index(fields=["-signed_up_at", "-id"], name="supporter_signed_up_newest"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="one_supporter_per_email"),
            models.UniqueConstraint(fields=["reference"], name="supporter_reference_unique"),
            models.CheckConstraint(
                name="supporter_status_is_known", condition=Q(status__in=SupporterStatus.values)
            ),
            models.CheckConstraint(
                name="supporter_confirmed_has_time",
                condition=~Q(status=SupporterStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="supporter_email_is_normalised", condition=Q(email=Lower(Trim("email")))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} ({self.get_status_display()})"

    @property
    def is_confirmed(self) -> bool:
        return self.status == SupporterStatus.CONFIRMED
