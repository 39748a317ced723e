"""A panel of the petition editor: the snippet that puts the sign form on another site."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail.admin.panels import Panel

# What the snippet asks for: the embed reads well from 300 px wide, and 400 px wide it is about
# 1,600 px tall (a statement of a few lines): at this size the frame needs no scroll bar of its
# own. Narrower, or with a longer statement or messages, the frame scrolls.
EMBED_WIDTH = 400
EMBED_HEIGHT = 1650


def embed_url(*, root_url: str, slug: str) -> str:
    return root_url + reverse("petitions:embed", kwargs={"slug": slug})


def embed_snippet(*, url: str, title: str) -> str:
    """The ``<iframe>`` an organiser pastes into a partner's page."""
    return format_html(
        '<iframe src="{}" title="{}" width="{}" height="{}" loading="lazy" '
        'style="border:0;max-width:100%"></iframe>',
        url,
        _("Sign the petition: %(title)s") % {"title": title},
        EMBED_WIDTH,
        EMBED_HEIGHT,
    )


class EmbedSnippetPanel(Panel):
    """Shows the snippet to copy (read-only), once the petition has an address."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "petitions/admin/embed_snippet.html"

        def get_context_data(self, parent_context=None) -> dict:
            context = super().get_context_data(parent_context)
            parts = self.instance.get_url_parts(self.request) if self.instance.pk else None
            context["snippet"] = (
                embed_snippet(
                    url=embed_url(root_url=parts[1], slug=self.instance.slug),
                    title=self.instance.title,
                )
                if parts
                else ""
            )
            return context
