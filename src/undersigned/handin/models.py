"""A hand-in pack: one build of a petition's PDF and CSV, with its progress while it builds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.handin.storage import handin_storage


class HandinPackState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")


class HandinPackStage(models.TextChoices):
    """What a building pack is doing now; ``rows_done`` counts rows of this stage."""

    WAITING = "", _("Waiting")
    CSV = "csv", _("Writing the spreadsheet (CSV)")
    PDF = "pdf", _("Laying out the list of signatories (PDF)")
    ASSEMBLE = "assemble", _("Putting the PDF together")
    DONE = "done", _("Done")


class HandinPack(models.Model):
    """The PDF and CSV handed to the petitioned body, built in the background.

    The files are private (see :mod:`undersigned.handin.storage`) and are downloaded only
    through a view that checks the person's permission.
    """

    petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="handin_packs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    include_addresses = models.BooleanField(_("include addresses"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=HandinPackState.choices, default=HandinPackState.QUEUED
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=HandinPackStage.choices, blank=True, default=""
    )
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in total"), default=0)
    # The last signature (by id) the pack may list: the snapshot every figure is taken from.
    last_signature_id = models.BigIntegerField(null=True, blank=True, editable=False)
    signatures_counted = models.PositiveIntegerField(_("valid signatures"), null=True, blank=True)
    csv_file = models.FileField(
        _("CSV file"), storage=handin_storage, upload_to="handin/", max_length=255, blank=True
    )
    pdf_file = models.FileField(
        _("PDF file"), storage=handin_storage, upload_to="handin/", max_length=255, blank=True
    )
    pdf_pages = models.PositiveIntegerField(_("PDF pages"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("hand-in pack")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["petition", "-created_at"], name="handin_pack_petition")]
        constraints = [
            models.CheckConstraint(
                name="handin_pack_state_is_known", condition=Q(state__in=HandinPackState.values)
            ),
            models.CheckConstraint(
                name="handin_pack_progress_within_total",
                condition=Q(rows_done__lte=F("rows_total")),
            ),
            models.CheckConstraint(
                name="handin_pack_ready_has_files",
                condition=~Q(state=HandinPackState.READY) | (~Q(csv_file="") & ~Q(pdf_file="")),
            ),
        ]

    def __str__(self) -> str:
        return f"Hand-in pack {self.pk} for petition {self.petition_id}"

    @property
    def in_progress(self) -> bool:
        return self.state in (HandinPackState.QUEUED, HandinPackState.BUILDING)

    @property
    def progress_percent(self) -> int:
        """Overall progress for a progress bar: laying out the PDF is most of the work."""
        if self.state == HandinPackState.READY:
            return 100
        share = self.rows_done / self.rows_total if self.rows_total else 0
        start, width = _STAGE_SPAN.get(self.stage, (0, 0))
        return min(100, int(start + share * width))


# Where each stage sits on the progress bar (start, width) in percent.
_STAGE_SPAN = {
    HandinPackStage.CSV: (0, 5),
    HandinPackStage.PDF: (5, 90),
    HandinPackStage.ASSEMBLE: (95, 0),
    HandinPackStage.DONE: (100, 0),
}
