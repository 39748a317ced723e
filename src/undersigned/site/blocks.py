"""The body blocks shared by stories and plain pages."""

from django.utils.encoding import force_str
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock
from wagtail.rich_text import RichText

from undersigned.site.sanitise import rich_text_html_clean

PARAGRAPH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class CleanRichText(RichText):
    """Rich text whose rendering goes through ``rich_text_html_clean``, however it is output."""

    def __html__(self) -> str:
        return mark_safe(rich_text_html_clean(super().__html__()))  # noqa: S308 - just cleaned


class CleanRichTextBlock(blocks.RichTextBlock):
    """A ``RichTextBlock`` whose values render cleaned (``{% include_block %}``, ``{{ value }}``).

    Only the rendering differs, so migrations record it as Wagtail's ``RichTextBlock``: the
    stored data is the same and swapping one for the other needs no migration.
    """

    def to_python(self, value) -> CleanRichText:
        return CleanRichText(value)

    def normalize(self, value) -> CleanRichText:
        if isinstance(value, RichText):
            return CleanRichText(value.source)
        return CleanRichText(value and force_str(value))

    def value_from_form(self, value) -> CleanRichText:
        return CleanRichText(value)

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        return "wagtail.blocks.RichTextBlock", args, kwargs


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(label=_("Who said it"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "site/blocks/quote.html"


class NumberedParagraphBlock(blocks.StructBlock):
    """A paragraph that keeps its number from the document it is quoted from ("58. ...")."""

    number = blocks.IntegerBlock(label=_("Paragraph number"), min_value=1)
    text = CleanRichTextBlock(label=_("Text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "list-ol"
        label = _("Numbered paragraph")
        template = "site/blocks/numbered_paragraph.html"


class FigureBlock(blocks.StructBlock):
    """An image with its alt text and an optional caption."""

    image = ImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=300)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "site/blocks/figure.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        form_classname="title", icon="title", template="site/blocks/heading.html", max_length=200
    )
    paragraph = CleanRichTextBlock(features=PARAGRAPH_FEATURES, icon="pilcrow")
    quote = QuoteBlock()
    numbered_paragraph = NumberedParagraphBlock()
    image = FigureBlock()


class NotesToEditorsBlock(blocks.StreamBlock):
    """Background for journalists under a story: findings, quoted paragraphs, who to call."""

    paragraph = CleanRichTextBlock(features=PARAGRAPH_FEATURES, icon="pilcrow")
    numbered_paragraph = NumberedParagraphBlock()
    quote = QuoteBlock()
