"""The admin's history of rows (Wagtail's log entries), for apps that delete personal data."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from wagtail.models import ModelLogEntry


def log_entries_forget(*, model: type[models.Model], pks: list) -> None:
    """Delete the admin's history of rows being removed: its labels name the person."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    ModelLogEntry.objects.filter(
        content_type=content_type, object_id__in=[str(pk) for pk in pks]
    ).delete()
