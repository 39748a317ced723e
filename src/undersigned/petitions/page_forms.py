"""The petition editor's form: Wagtail's page form, with the checks an organiser needs."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm


class PetitionPageForm(WagtailAdminPageForm):
    def clean_story(self) -> str:
        story = self.cleaned_data["story"]
        # The rich-text editor sends an empty paragraph for an untouched box, which passes
        # "required"; a published petition needs words. A draft save (required checks deferred
        # by Wagtail) may still be empty.
        if self.fields["story"].required and not strip_tags(story).strip():
            raise forms.ValidationError(_("Tell people why this matters: the story is empty."))
        return story

    def clean(self) -> dict:
        cleaned = super().clean()
        closes_at = cleaned.get("closes_at")
        # Only for a petition still open: editing a closed one keeps its past closing date.
        still_open = getattr(self.instance, "state", "open") == "open"
        if closes_at is not None and still_open and closes_at <= timezone.now():
            self.add_error(
                "closes_at",
                _(
                    "This date has passed, so the petition would not take any signatures. "
                    "Set a later one, or leave it empty to close the petition by hand."
                ),
            )
        return cleaned
