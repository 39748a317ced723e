"""API keys for the OSDI API, and which key sent which signature."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    READ = "read", _("Read: petitions, signatures and people")
    WRITE = "write", _("Read and write: also record signatures")


class ApiKey(models.Model):
    """A key a campaign tool sends in the ``OSDI-API-Token`` header.

    Only the SHA-256 of the key is stored; the key itself is shown once, when it is made.
    ``prefix`` (its first characters) lets an organiser tell keys apart in lists.
    """

    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("What uses it, e.g. \u201cAction Network sync\u201d."),
    )
    scope = models.CharField(_("scope"), max_length=8, choices=ApiScope.choices)
    prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    # The request counter used when there is no Redis (see services.api_key_use).
    window_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    window_uses = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("API key")
        ordering = ["-created_at", "-pk"]
        default_permissions = ()
        permissions = [("manage_apikey", "Can create and revoke API keys")]
        constraints = [
            models.UniqueConstraint(fields=["secret_hash"], name="api_key_hash_unique"),
            models.CheckConstraint(
                name="api_key_scope_is_known", condition=Q(scope__in=ApiScope.values)
            ),
            models.CheckConstraint(
                name="api_key_revoked_after_created",
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}\u2026)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == ApiScope.WRITE


class ApiSignature(models.Model):
    """That a signature came through the API, and with which key (kept with the signature:
    erasing the signature erases this too)."""

    wagtail_reference_index_ignore = True

    signature = models.OneToOneField(
        "petitions.Signature", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="signatures")

    class Meta:
        verbose_name = _("signature sent through the API")

    def __str__(self) -> str:
        return f"{self.signature_id} via {self.api_key_id}"
