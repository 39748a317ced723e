"""A last clean of rich text HTML before it reaches a public page.

Rich text saved through Wagtail's Draftail editor is already limited to the features each field
allows, but HTML can reach a ``RichTextField`` or a ``RichTextBlock`` without going through the
editor: the demo loader, imports, the shell, a migration or a future API. Wagtail renders that
HTML as stored, ``<script>``, ``onclick`` and ``javascript:`` links included. So the rendered
HTML goes through nh3 too (defence in depth behind the editor's own whitelist), with an
allowlist of exactly what our rich text features and Wagtail's rendering of them produce.
"""

from __future__ import annotations

import nh3

# Draftail stores each block element with its block key (used to anchor comments) and Wagtail
# renders it as stored: allowed, so that editor-made HTML comes out unchanged.
_BLOCK_KEY = "data-block-key"
_BLOCK_TAGS = ("p", "h2", "h3", "h4", "li", "blockquote")

# Tags: the features used by our fields and blocks (bold, italic, link, document-link, ol, ul,
# h2-h4, blockquote), their hand-written equivalents (strong, em), line breaks, and the images
# Wagtail renders from an image embed.
ALLOWED_TAGS = frozenset({*_BLOCK_TAGS, "a", "b", "strong", "i", "em", "ol", "ul", "br", "img"})

# Page and document links render as a plain href; nothing here adds rel or target, so no link
# opens a new window and no rel needs adding. "*" is empty: nh3 would otherwise allow lang and
# title on every tag.
ALLOWED_ATTRIBUTES = {
    "*": set(),
    **{tag: {_BLOCK_KEY} for tag in _BLOCK_TAGS},
    "a": {"href"},
    "img": {"alt", "height", "src", "width"},
}

# The classes of Wagtail's default image formats (full width, left, right).
ALLOWED_CLASSES = {"img": {"richtext-image", "full-width", "left", "right"}}

# Relative URLs (pages, documents, images, #anchors) pass through; of absolute ones only these.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=None,
    strip_comments=True,
)


def rich_text_html_clean(html: str) -> str:
    """``html`` (rendered rich text) with every tag, attribute and URL not allowed above removed.

    Scripts and style sheets go with their content; any other tag not allowed goes but its text
    stays. The result is safe to mark safe.
    """
    return _cleaner.clean(html)
