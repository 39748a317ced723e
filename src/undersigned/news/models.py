"""News sections and stories, plain pages, section pages, videos and newsletters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents import get_document_model_string
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from undersigned.news.video import validate_video_url, video_embed_for
from undersigned.site.blocks import BodyBlock, NotesToEditorsBlock
from undersigned.site.page_views import page_context, page_view_get

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# Where the site's own sections may go: under the home page or grouped in a section page.
SECTION_PARENTS = ["site.HomePage", "news.SectionPage"]
DESCRIPTION_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class NewsIndexPage(RoutablePageMixin, Page):
    """A news section: its stories, newest first, ten to a page, with RSS and Atom feeds."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = SECTION_PARENTS
    subpage_types = ["news.NewsStoryPage"]

    stories_per_page = 10

    class Meta:
        verbose_name = _("news section")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # news.views
        return context

    @path("feed/rss/", name="feed_rss")
    def feed_rss(self, request: HttpRequest) -> HttpResponse:
        return page_view_get(self, "feed_rss")(request, self)  # news.views

    @path("feed/atom/", name="feed_atom")
    def feed_atom(self, request: HttpRequest) -> HttpResponse:
        return page_view_get(self, "feed_atom")(request, self)  # news.views


class NewsStoryTag(TaggedItemBase):
    """A tag on a story (the tags themselves are shared by the whole site)."""

    content_object = ParentalKey(
        "news.NewsStoryPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class NewsStoryPage(RoutablePageMixin, Page):
    """One story: date, headline (the title), standfirst, body, notes to editors, a petition."""

    date = models.DateField(_("date"), default=timezone.localdate)
    author = models.CharField(_("author"), max_length=200, blank=True)
    standfirst = models.TextField(
        _("standfirst"),
        blank=True,
        max_length=400,
        help_text=_("One or two sentences under the headline, also shown in lists and feeds."),
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"))
    notes_to_editors = StreamField(
        NotesToEditorsBlock(),
        verbose_name=_("notes to editors"),
        blank=True,
        help_text=_("Background for journalists, shown under the story."),
    )
    related_petition = models.ForeignKey(
        "petitions.PetitionPage",
        verbose_name=_("related petition"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown under the story with its count and a button to sign."),
    )
    tags = ClusterTaggableManager(through=NewsStoryTag, blank=True, verbose_name=_("tags"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("author"), FieldPanel("tags")],
            heading=_("About the story"),
        ),
        FieldPanel("standfirst"),
        FieldPanel("body"),
        FieldPanel("notes_to_editors"),
        FieldPanel("related_petition"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.SearchField("notes_to_editors"),
        index.FilterField("date"),
    ]
    parent_page_types = ["news.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news story")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # news.views
        return context

    @path("print/", name="print")
    def print_view(self, request: HttpRequest) -> HttpResponse:
        """The story on its own, without the site's navigation and footer, ready to print."""
        context = self.get_context(request)
        call = context["petition_call"]
        # On paper the addresses have to be written out in full.
        context["story_url"] = request.build_absolute_uri(self.get_url(request))
        if call is not None:
            context["petition_url"] = request.build_absolute_uri(call.petition.get_url(request))
        return TemplateResponse(request, "news/news_story_print.html", context)


class StandardPage(Page):
    """A plain page: privacy and cookies, get involved, a constituency, the boundary review."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = SECTION_PARENTS
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("standard page")


class SectionPage(Page):
    """A page that groups others (e.g. "Parliament & assembly" over constituency pages)."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = SECTION_PARENTS
    subpage_types = [
        "news.StandardPage",
        "news.SectionPage",
        "news.NewsIndexPage",
        "news.VideoIndexPage",
        "news.NewsletterPage",
    ]

    class Meta:
        verbose_name = _("section page")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # news.views
        return context


class VideoIndexPage(Page):
    """The videos section: its videos, newest first."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = SECTION_PARENTS
    subpage_types = ["news.VideoPage"]

    class Meta:
        verbose_name = _("videos section")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # news.views
        return context


class VideoPage(Page):
    """A video from YouTube or Vimeo, loaded only when the visitor asks for it."""

    date = models.DateField(_("date"), default=timezone.localdate)
    video_url = models.URLField(
        _("video link"),
        validators=[validate_video_url],
        help_text=_(
            "The address of the video on YouTube or Vimeo. Visitors see a play button first: "
            "nothing is loaded from the video site until they press it."
        ),
    )
    description = RichTextField(_("description"), blank=True, features=DESCRIPTION_FEATURES)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("video_url"),
        FieldPanel("description"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("description")]
    parent_page_types = ["news.VideoIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("video")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(section=self.get_parent(), video=video_embed_for(self.video_url))
        return context


class NewsletterPage(Page):
    """Newsletter issues to download (PDF documents), newest first."""

    intro = RichTextField(_("introduction"), blank=True, features=DESCRIPTION_FEATURES)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("issues", label=_("Issues"), heading=_("Issues")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = SECTION_PARENTS
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("newsletters page")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # news.views
        return context


class NewsletterIssue(Orderable):
    """One issue of the newsletter: its title, date and the document to download."""

    page = ParentalKey(NewsletterPage, on_delete=models.CASCADE, related_name="issues")
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    summary = models.TextField(
        _("summary"),
        max_length=2000,
        blank=True,
        help_text=_("A few lines on what is in this issue, used when it is emailed to supporters."),
    )
    document = models.ForeignKey(
        get_document_model_string(),
        verbose_name=_("document"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("document"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("newsletter issue")

    def __str__(self) -> str:
        return self.title
