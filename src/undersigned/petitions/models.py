"""Petition pages (edited in the CMS) and signatures (plain rows, one per sign-form submission)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from undersigned.abuse.suspicion import SuspectReason
from undersigned.petitions.page_forms import PetitionPageForm
from undersigned.petitions.panels import EmbedSnippetPanel
from undersigned.site.origins import OriginListField, origin_list_panel
from undersigned.site.page_views import page_context, page_view_get

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from django.http import HttpRequest, HttpResponse

STORY_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "blockquote", "document-link"]


class PetitionIndexPage(Page):
    """The petitions section (``/petitions/``): lists the open petitions first."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["petitions.PetitionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("petitions section")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # petitions.views
        return context


class PetitionState(models.TextChoices):
    """Where a petition is in its life once published: open (from the moment it goes live),
    closed (by an organiser, or by its closing date passing) or handed in. Whether it is
    published at all, or scheduled to be, is Wagtail's page status."""

    OPEN = "open", _("Open for signatures")
    CLOSED = "closed", _("Closed")
    HANDED_IN = "handed_in", _("Handed in")


def petition_status(*, state: str, closes_at: datetime | None, now=None) -> PetitionState:
    """What a petition reads as ``now`` everywhere (page, lists, JSON, admin, signing).

    Its recorded ``state``, except that an open petition whose closing date has passed reads
    as closed at once, before the background worker records it so. The first-signature
    insert (``signature_insert``) applies the same rule in SQL.
    """
    if (
        state == PetitionState.OPEN
        and closes_at is not None
        and (now or timezone.now()) >= closes_at
    ):
        return PetitionState.CLOSED
    return PetitionState(state)


def accepting_signatures(*, state: str, closes_at: datetime | None, now=None) -> bool:
    """Whether a petition in ``state`` closing at ``closes_at`` takes signatures ``now``."""
    return petition_status(state=state, closes_at=closes_at, now=now) == PetitionState.OPEN


def accepting_signatures_q(*, now: datetime) -> Q:
    """:func:`accepting_signatures` as a query condition on petitions, for lists in SQL."""
    return Q(state=PetitionState.OPEN) & (Q(closes_at__isnull=True) | Q(closes_at__gt=now))


# Kept from the petition as it is, whatever a revision or a copy says (see with_content_json).
LIFECYCLE_FIELDS = (
    "state",
    "opened_at",
    "closed_at",
    "handed_in_at",
    "handed_in_to",
    "personal_data_purged_at",
)


class PetitionPage(RoutablePageMixin, Page):
    """A petition: its story, the statement people sign, the sign form and the count."""

    summary = models.TextField(
        _("summary"),
        max_length=300,
        help_text=_("One or two sentences: shown in lists and when the petition is shared."),
    )
    story = RichTextField(
        _("story"),
        features=STORY_FEATURES,
        help_text=_("Why this matters. Add links for people who want to read more."),
    )
    statement = models.TextField(
        _("statement"),
        help_text=_(
            "What signers put their name to, e.g. \u201cWe, the undersigned, call for \u2026\u201d"
        ),
    )
    target = models.CharField(
        _("petitioned body"),
        max_length=200,
        help_text=_(
            "Who the petition will be handed to, e.g. \u201cExample Borough Council\u201d."
        ),
    )
    organiser_name = models.CharField(
        _("organiser"),
        max_length=200,
        help_text=_("Who launched the petition; signers' emails are used only by them."),
    )
    target_local_authority = models.ForeignKey(
        "places.LocalAuthority",
        verbose_name=_("target area"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The council area the petition is addressed to. The support breakdown and the "
            "hand-in pack show how many signers live inside it."
        ),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Optional. Shown at the top of the petition and on petition lists, and used when "
            "the petition is shared on social media. A wide photo works best (at least "
            "1200\u00d7630 pixels). Without one, a card with the title and organiser is made."
        ),
    )
    signature_goal = models.PositiveIntegerField(_("signature goal"), default=1000)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=PetitionState.choices,
        default=PetitionState.OPEN,
        editable=False,
    )
    closes_at = models.DateTimeField(
        _("closing date"),
        null=True,
        blank=True,
        help_text=_(
            "Signing stops automatically at this time. Leave empty to close by hand. The "
            "petition opens when it is published; to open it later, set \u201cGo live "
            "at\u201d under Schedule."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    handed_in_at = models.DateTimeField(_("handed in"), null=True, blank=True, editable=False)
    handed_in_to = models.CharField(
        _("handed in to"),
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("Who received the petition, e.g. \u201cthe Mayor at Full Council\u201d."),
    )
    personal_data_purged_at = models.DateTimeField(
        _("signers' personal data removed"), null=True, blank=True, editable=False
    )
    signing_paused = models.BooleanField(
        _("pause signing"),
        default=False,
        help_text=_(
            "A kill switch for a petition under attack: the form is replaced by the message "
            "below until you untick this. The petition stays open."
        ),
    )
    signing_paused_message = models.TextField(
        _("message while paused"),
        blank=True,
        help_text=_("Shown instead of the sign form. Leave empty for a standard message."),
    )
    honeypot_enabled = models.BooleanField(
        _("honeypot field"),
        default=True,
        help_text=_(
            "Adds a field people never see; signatures from robots that fill it in are kept "
            "as suspect and not counted."
        ),
    )
    proof_of_work_required = models.BooleanField(
        _("ask for proof of work"),
        default=False,
        help_text=_(
            "For a petition under attack: the signer's browser must spend a moment on a small "
            "puzzle before the form is accepted. Needs JavaScript while it is on."
        ),
    )
    embed_origins = OriginListField(
        _("sites that may show the sign form"),
        blank=True,
        help_text=_(
            "Partner websites allowed to show this petition's sign form in a frame, one a "
            "line, like https://partner.example.org. Those listed in the site settings may too."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("story"),
        FieldPanel("statement"),
        FieldPanel("image"),
        MultiFieldPanel(
            [
                FieldPanel("target"),
                FieldPanel("target_local_authority"),
                FieldPanel("organiser_name"),
            ],
            heading=_("Who it is from and to"),
        ),
        MultiFieldPanel(
            [FieldPanel("signature_goal"), FieldPanel("closes_at")],
            heading=_("Signing"),
        ),
    ]
    promote_panels = [
        *Page.promote_panels,
        MultiFieldPanel(
            [origin_list_panel("embed_origins"), EmbedSnippetPanel()],
            heading=_("Sign form on other sites"),
        ),
    ]
    settings_panels = [
        *Page.settings_panels,
        MultiFieldPanel(
            [
                FieldPanel("signing_paused"),
                FieldPanel("signing_paused_message"),
                FieldPanel("honeypot_enabled"),
                FieldPanel("proof_of_work_required"),
            ],
            heading=_("Protection against abuse"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("story"),
        index.SearchField("statement"),
    ]
    parent_page_types = ["petitions.PetitionIndexPage"]
    subpage_types: list[str] = []
    base_form_class = PetitionPageForm
    # A copy is a new petition: open once published, with no history of its own yet.
    exclude_fields_in_copy = [*LIFECYCLE_FIELDS, "created_at"]

    class Meta:
        verbose_name = _("petition")
        constraints = [
            models.CheckConstraint(
                name="petition_closes_after_opening",
                condition=Q(closes_at__isnull=True)
                | Q(opened_at__isnull=True)
                | Q(closes_at__gt=models.F("opened_at")),
            ),
            models.CheckConstraint(
                name="petition_state_is_known",
                condition=Q(state__in=PetitionState.values),
            ),
        ]

    def save(self, *args, **kwargs):
        self.stamp_state_change()
        return super().save(*args, **kwargs)

    def with_content_json(self, content: dict) -> PetitionPage:
        """The page as a revision has it, with its lifecycle as it is now.

        Whether a petition is open, closed or handed in (and when) belongs to the petition,
        not to a version of its text: publishing a draft written before it was closed or
        handed in must not reopen it. The services in ``petitions.services`` change these.
        """
        page = super().with_content_json(content)
        # As stored, not as this copy of the page was read (it may be from before the change).
        stored = PetitionPage.objects.filter(pk=self.pk).values(*LIFECYCLE_FIELDS).first()
        for name in LIFECYCLE_FIELDS:
            setattr(page, name, stored[name] if stored else getattr(self, name))
        return page

    def stamp_state_change(self, now=None) -> None:
        """Record when the petition first opened (was first published while open) and when it
        stopped taking signatures."""
        now = now or timezone.now()
        if self.state == PetitionState.OPEN:
            # Published after its closing date (say, scheduled too late), it never opened.
            if self.live and self.opened_at is None and self.is_accepting_signatures(now=now):
                self.opened_at = now
            self.closed_at = None
        elif self.state in (PetitionState.CLOSED, PetitionState.HANDED_IN):
            self.closed_at = self.closed_at or now

    def status(self, now=None) -> PetitionState:
        """What the petition reads as now (see :func:`petition_status`)."""
        return petition_status(state=self.state, closes_at=self.closes_at, now=now)

    @property
    def current_status(self) -> PetitionState:
        return self.status()

    def is_accepting_signatures(self, now=None) -> bool:
        return accepting_signatures(state=self.state, closes_at=self.closes_at, now=now)

    @property
    def thank_you_url(self) -> str:
        return self.url + self.reverse_subpage("thank_you")

    @path("")
    def petition(self, request: HttpRequest) -> HttpResponse:
        return page_view_get(self, "petition")(request, self)  # petitions.views

    @path("thank-you/", name="thank_you")
    def thank_you(self, request: HttpRequest) -> HttpResponse:
        return page_view_get(self, "thank_you")(request, self)  # petitions.views


class SignatureSource(models.TextChoices):
    """Where a signature was made: the sign form, or a paper sheet an organiser entered."""

    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper")


class PaperSheet(models.Model):
    """One sheet (or one typed-up file) of signatures collected on paper.

    The reference is the organiser's own (written on the sheet, or the file's name), so that
    the council can be pointed to the original. A file uploaded is remembered by its SHA-256:
    the same file again stores nothing.
    """

    petition = models.ForeignKey(
        PetitionPage, on_delete=models.CASCADE, related_name="paper_sheets"
    )
    reference = models.CharField(
        _("sheet reference"),
        max_length=100,
        help_text=_(
            "What is written on the sheet (or the file's name), e.g. \u201cMarket 12\u201d."
        ),
    )
    collected_on = models.DateField(_("date collected"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    file_sha256 = models.CharField(_("file checksum (SHA-256)"), max_length=64, blank=True)

    # As for signatures: no reference-index row per sheet.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("paper sheet")
        ordering = ["-entered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "reference"], name="paper_sheet_reference_once_per_petition"
            ),
            models.UniqueConstraint(
                fields=["petition", "file_sha256"],
                condition=~Q(file_sha256=""),
                name="paper_sheet_file_once_per_petition",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PaperUpload(models.Model):
    """A file of paper signatures waiting for the organiser to confirm its report.

    Kept in the database between the two steps (not in the session, nor in a local file that
    another app server could not read), and deleted when confirmed or after a day.
    """

    petition = models.ForeignKey(PetitionPage, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    reference = models.CharField(max_length=100)
    collected_on = models.DateField()

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("paper upload waiting for confirmation")

    def __str__(self) -> str:
        return self.file_name


class SignatureState(models.TextChoices):
    COUNTED = "counted", _("Counted")
    DUPLICATE = "duplicate", _("Duplicate")
    INVALIDATED = "invalidated", _("Invalidated")
    SUSPECT = "suspect", _("Suspect")


@dataclass(frozen=True, kw_only=True)
class SamePersonRule:
    """One way two signatures of a petition are the same person's: equal ``key`` fields.

    It does not apply to a signature whose ``needs`` field is blank. Of the signatures of a
    petition that are not duplicates, no two share a key (the unique constraint ``name``),
    and every consumer (the constraints, the insert, the lookups after it, subject access)
    takes its conditions from here.
    """

    name: str  # of the partial unique constraint
    key: tuple[str, ...]  # the fields besides the petition
    needs: str
    # Key fields a person may type in another case when asking what is held about them.
    # Signing stores them lower-cased, so elsewhere they are compared as stored (which the
    # unique index can answer).
    any_case: frozenset[str] = frozenset()

    def condition(self) -> Q:
        """Which signatures the rule applies to: the unique constraint's condition."""
        return ~Q(**{self.needs: ""}) & ~Q(state=SignatureState.DUPLICATE.value)

    def constraint(self) -> models.UniqueConstraint:
        return models.UniqueConstraint(
            fields=["petition", *self.key], condition=self.condition(), name=self.name
        )

    def applies(self, values: Mapping[str, str]) -> bool:
        """Whether the rule can find the person of a signature with these ``values`` (by
        field name): not if its ``needs`` field is blank."""
        return bool(values[self.needs])

    def matching(self, values: Mapping[str, str], *, any_case: bool = False) -> Q:
        """Signatures whose key fields equal ``values``; ignoring case in the ``any_case``
        fields if asked."""
        return Q(
            **{
                f"{field}__iexact" if any_case and field in self.any_case else field: values[field]
                for field in self.key
            }
        )


# In order of priority: of the earlier signatures a person made at the same moment, the one
# the first rule finds is the original.
SAME_PERSON_RULES = (
    SamePersonRule(
        name="one_signature_per_email_per_petition",
        key=("email",),
        needs="email",
        any_case=frozenset({"email"}),
    ),
    SamePersonRule(
        name="one_signature_per_person_per_petition",
        key=("name_key", "postcode"),
        needs="postcode",
    ),
)


class Signature(models.Model):
    """One signature of a petition: a submission of its sign form, or a line of a paper sheet
    an organiser entered (``source``, ``paper_sheet``). Only ``counted`` signatures are counted.

    The first signature of a person (same email, or same name and postcode) is the
    original; later ones are stored as duplicates pointing at it, so that an organiser
    can say how many duplicates were removed.
    """

    # Wagtail would otherwise queue a task per signature to record its link to the petition
    # in the reference index ("usage" in the admin): one more write per signature at peak,
    # one more task for the worker, and a reference-index row per signature.
    wagtail_reference_index_ignore = True

    petition = models.ForeignKey(PetitionPage, on_delete=models.CASCADE, related_name="signatures")
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(
        max_length=200, editable=False, help_text="Name folded for duplicate detection."
    )
    address = models.TextField(_("address"), max_length=500, blank=True)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wants_updates = models.BooleanField(_("wants updates"), default=False)
    consent_text = models.TextField(_("consent wording shown"), blank=True)
    consent_version = models.CharField(_("consent wording version"), max_length=32, blank=True)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    ip_hash = models.CharField(_("client IP (keyed hash)"), max_length=64, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=SignatureState.choices, default=SignatureState.COUNTED
    )
    suspect_reason = models.CharField(
        _("why suspect"), max_length=16, choices=SuspectReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    created_at = models.DateTimeField(_("signed at"), default=timezone.now)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        help_text="Set when retention removed the signer's personal data; counts stay.",
    )
    # Also the database's default: a row inserted without it (by an app server still running
    # the code from before paper signatures, during a deploy) is an online signature.
    source = models.CharField(
        _("source"),
        max_length=8,
        choices=SignatureSource.choices,
        default=SignatureSource.ONLINE,
        db_default=SignatureSource.ONLINE,
    )
    paper_sheet = models.ForeignKey(
        PaperSheet,
        verbose_name=_("paper sheet"),
        # Deleting a petition takes its sheets with its signatures; a sheet alone cannot go.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="signatures",
    )
    # Filled from the postcode by the places app.
    ward_code = models.CharField(_("ward"), max_length=9, blank=True)
    constituency_code = models.CharField(_("constituency"), max_length=9, blank=True)
    local_authority_code = models.CharField(_("local authority"), max_length=9, blank=True)

    class Meta:
        verbose_name = _("signature")
        ordering = ["-created_at"]
        permissions = [("moderate_signature", "Can invalidate and restore signatures")]
        indexes = [
            models.Index(fields=["petition", "created_at"], name="signature_petition_created"),
            # The rate limits count a connection's signatures since a moment, on the site and
            # on one petition, from this index alone (abuse.limits.database_limit_check).
            models.Index(
                fields=["ip_hash", "created_at", "petition"], name="signature_connection_recent"
            ),
            # Covers the support breakdown: one ordered scan groups a petition's counted
            # signatures by ward, constituency and council without reading the table.
            models.Index(
                fields=[
                    "petition",
                    "state",
                    "ward_code",
                    "constituency_code",
                    "local_authority_code",
                ],
                name="signature_petition_areas",
            ),
        ]
        constraints = [
            *(rule.constraint() for rule in SAME_PERSON_RULES),
            models.CheckConstraint(
                name="signature_has_address_or_postcode",
                condition=~Q(address="") | ~Q(postcode="") | Q(anonymised_at__isnull=False),
            ),
            models.CheckConstraint(
                name="signature_consent_needs_email",
                condition=Q(wants_updates=False, consented_at__isnull=True)
                | (Q(wants_updates=True, consented_at__isnull=False) & ~Q(email="")),
            ),
            models.CheckConstraint(
                name="signature_state_is_known",
                condition=Q(state__in=SignatureState.values),
            ),
            models.CheckConstraint(
                name="signature_source_is_known",
                condition=Q(source__in=SignatureSource.values),
            ),
            models.CheckConstraint(
                name="signature_paper_has_sheet",
                condition=Q(source=SignatureSource.PAPER, paper_sheet__isnull=False)
                | Q(source=SignatureSource.ONLINE, paper_sheet__isnull=True),
            ),
            models.CheckConstraint(
                name="signature_duplicate_points_to_original",
                condition=Q(state="duplicate") | Q(duplicate_of__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.postcode or _('no postcode')})"

    @property
    def source_label(self) -> str:
        """Online, or paper with its sheet's reference (for the admin's list)."""
        if self.source == SignatureSource.PAPER and self.paper_sheet_id:
            return _("Paper, sheet %(reference)s") % {"reference": self.paper_sheet.reference}
        return self.get_source_display()
