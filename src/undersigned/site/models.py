"""The home page and the site-wide settings organisers edit (name, contact details, footer)."""

from __future__ import annotations

from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page

from undersigned.site.origins import OriginListField, origin_list_panel

# Apps above ``site`` fill the home page: each function registered under this Wagtail hook
# takes the request and returns context entries (``petitions``, ``stories``) for its list.
HOME_PAGE_CONTEXT_HOOK = "undersigned_home_page_context"


class HomePage(Page):
    """The site's front page: an introduction, open petitions and the latest news."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        for home_page_context in hooks.get_hooks(HOME_PAGE_CONTEXT_HOOK):
            context.update(home_page_context(request))
        return context


def validate_link(value: str) -> None:
    """A web address (https://...) or a path on this site that is not a page (/privacy/)."""
    if value.startswith("/") and not value.startswith("//"):
        return
    URLValidator(schemes=["http", "https"])(value)


class LinkPage(Page):
    """A menu entry that points elsewhere: another site, or a page built from settings."""

    link_url = models.CharField(
        _("link to"),
        max_length=500,
        validators=[validate_link],
        help_text=_(
            "A web address like https://example.org/ or a path on this site like /privacy/."
        ),
    )

    content_panels = [*Page.content_panels, FieldPanel("link_url")]
    promote_panels = [FieldPanel("slug"), FieldPanel("show_in_menus")]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("link to another site")

    def get_sitemap_urls(self, request=None) -> list:
        return []

    def serve(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return HttpResponseRedirect(self.link_url)


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour like #0b4f6c."))


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Who runs the site and how to reach them: shown in the header, footer and privacy notes."""

    organisation_name = models.CharField(
        _("organisation name"), max_length=200, default="Example Borough Residents"
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    description = models.CharField(
        _("description for search results"),
        max_length=300,
        blank=True,
        help_text=_(
            "A sentence or two about the organisation, shown under links to this site in "
            "search results and shared posts when a page has no summary of its own."
        ),
    )
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_address = models.TextField(_("postal address"), blank=True)
    copyright_start_year = models.PositiveIntegerField(_("copyright from year"), default=2026)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    brand_colour = models.CharField(
        _("main colour"),
        max_length=7,
        default="#0b4f6c",
        validators=[hex_colour],
        help_text=_("Header and headings. Dark enough for white text on it."),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#d62f5c",
        validators=[hex_colour],
        help_text=_("Buttons such as \u201cSign the petition\u201d. Dark enough for white text."),
    )
    data_controller = models.CharField(
        _("data controller"),
        max_length=200,
        blank=True,
        help_text=_(
            "Who is legally responsible for the personal data collected on this site. "
            "Leave empty if it is the organisation named above."
        ),
    )
    privacy_contact_email = models.EmailField(
        _("privacy contact email"),
        blank=True,
        help_text=_(
            "Where people send requests about their data. Leave empty to use the email above."
        ),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("keep personal data for (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Signers' names, addresses and emails are removed this many months after a "
            "petition is handed in or closes (the totals stay). Answered messages from the "
            "contact form are deleted after the same time."
        ),
    )

    embed_origins = OriginListField(
        _("sites that may show sign forms"),
        blank=True,
        help_text=_(
            "Partner websites allowed to show the sign form of every petition in a frame, "
            "one a line, like https://partner.example.org. A petition can add more of its own."
        ),
    )

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("tagline"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
                FieldPanel("contact_address"),
            ],
            heading=_("Contact details"),
        ),
        FieldPanel("copyright_start_year"),
        MultiFieldPanel(
            [FieldPanel("logo"), FieldPanel("brand_colour"), FieldPanel("accent_colour")],
            heading=_("Branding"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("data_controller"),
                FieldPanel("privacy_contact_email"),
                FieldPanel("retention_months"),
            ],
            heading=_("Data protection"),
        ),
        MultiFieldPanel(
            [origin_list_panel("embed_origins")], heading=_("Sign forms on other sites")
        ),
    ]

    class Meta:
        verbose_name = _("site settings")

    @property
    def data_controller_name(self) -> str:
        """The data controller named in the privacy notice: the organisation unless set."""
        return self.data_controller or self.organisation_name

    @property
    def privacy_email(self) -> str:
        """Where requests about personal data go: the privacy address, else the contact one."""
        return self.privacy_contact_email or self.contact_email
