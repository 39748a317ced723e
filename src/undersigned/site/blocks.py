"""The body blocks shared by stories and plain pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

PARAGRAPH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(label=_("Who said it"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "site/blocks/quote.html"


class NumberedParagraphBlock(blocks.StructBlock):
    """A paragraph that keeps its number from the document it is quoted from ("58. ...")."""

    number = blocks.IntegerBlock(label=_("Paragraph number"), min_value=1)
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link"])

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
    paragraph = blocks.RichTextBlock(features=PARAGRAPH_FEATURES, icon="pilcrow")
    quote = QuoteBlock()
    numbered_paragraph = NumberedParagraphBlock()
    image = FigureBlock()


class NotesToEditorsBlock(blocks.StreamBlock):
    """Background for journalists under a story: findings, quoted paragraphs, who to call."""

    paragraph = blocks.RichTextBlock(features=PARAGRAPH_FEATURES, icon="pilcrow")
    numbered_paragraph = NumberedParagraphBlock()
    quote = QuoteBlock()
