"""Places: postcodes and the areas they fall in (wards, constituencies, local authorities),
and the ward team pages that introduce each ward's councillors and candidates.

Postcodes carry area codes as plain indexed text, not foreign keys, so that a postcode
release can be loaded before (or without) the names of the areas it refers to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from undersigned.site.page_views import page_context, page_view_get

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# Honorifics left out of a member's initials.
_TITLES = {"cllr", "councillor", "dr", "mr", "mrs", "ms", "miss", "mx", "sir", "dame", "rev"}

# GSS codes are nine characters (E05000123); older ONS codes are shorter.
AREA_CODE_LENGTH = 9


class LocalAuthority(models.Model):
    """A local authority district, e.g. ``E09000008`` Croydon."""

    code = models.CharField(_("code"), max_length=AREA_CODE_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("local authority")
        verbose_name_plural = _("local authorities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="local_authority_code_not_empty", condition=~Q(code="")),
        ]

    def __str__(self) -> str:
        return self.name


class Constituency(models.Model):
    """A Westminster parliamentary constituency, e.g. ``E14001172``."""

    code = models.CharField(_("code"), max_length=AREA_CODE_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("constituency")
        verbose_name_plural = _("constituencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="constituency_code_not_empty", condition=~Q(code="")),
        ]

    def __str__(self) -> str:
        return self.name


class Ward(models.Model):
    """An electoral ward of a local authority, e.g. ``E05011462``."""

    code = models.CharField(_("code"), max_length=AREA_CODE_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    local_authority = models.ForeignKey(
        LocalAuthority,
        verbose_name=_("local authority"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wards",
    )

    class Meta:
        verbose_name = _("ward")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="ward_code_not_empty", condition=~Q(code="")),
        ]

    def __str__(self) -> str:
        return self.name


class Postcode(models.Model):
    """One live postcode (normalised, ``CR0 1NY``) and the codes of the areas it is in."""

    postcode = models.CharField(_("postcode"), max_length=8, primary_key=True)
    ward_code = models.CharField(
        _("ward code"), max_length=AREA_CODE_LENGTH, blank=True, db_index=True
    )
    constituency_code = models.CharField(
        _("constituency code"), max_length=AREA_CODE_LENGTH, blank=True, db_index=True
    )
    local_authority_code = models.CharField(
        _("local authority code"), max_length=AREA_CODE_LENGTH, blank=True, db_index=True
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("postcode")
        constraints = [
            # Normalised postcodes always have exactly one space between outward and inward.
            models.CheckConstraint(
                name="postcode_has_a_space", condition=Q(postcode__contains=" ")
            ),
            models.CheckConstraint(
                name="postcode_location_both_or_neither",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
            models.CheckConstraint(
                name="postcode_location_in_range",
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return self.postcode


class WardBoundary(models.Model):
    """The outline of a ward, for the support map: a GeoJSON geometry in longitude/latitude.

    Keyed by ward code like the postcodes, so that boundaries can be loaded with or without
    the ward names. The bounding box is kept beside the geometry so that a map can be framed
    without reading every coordinate.
    """

    ward_code = models.CharField(_("ward code"), max_length=AREA_CODE_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    local_authority_code = models.CharField(
        _("local authority code"), max_length=AREA_CODE_LENGTH, blank=True, db_index=True
    )
    geometry = models.JSONField(
        _("geometry"), help_text=_("A GeoJSON Polygon or MultiPolygon, longitude then latitude.")
    )
    min_longitude = models.FloatField(_("west edge"))
    min_latitude = models.FloatField(_("south edge"))
    max_longitude = models.FloatField(_("east edge"))
    max_latitude = models.FloatField(_("north edge"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ward boundary")
        verbose_name_plural = _("ward boundaries")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="ward_boundary_code_not_empty", condition=~Q(ward_code="")),
            models.CheckConstraint(
                name="ward_boundary_is_a_polygon",
                condition=Q(geometry__type__in=["Polygon", "MultiPolygon"]),
            ),
            models.CheckConstraint(
                name="ward_boundary_bbox_in_order",
                condition=Q(min_longitude__lte=models.F("max_longitude"))
                & Q(min_latitude__lte=models.F("max_latitude")),
            ),
            models.CheckConstraint(
                name="ward_boundary_bbox_in_range",
                condition=Q(min_longitude__gte=-180, max_longitude__lte=180)
                & Q(min_latitude__gte=-90, max_latitude__lte=90),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WardTeamIndexPage(RoutablePageMixin, Page):
    """The "Ward teams" section: one page per ward, and a postcode search to find yours."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["site.HomePage"]
    subpage_types = ["places.WardTeamPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("ward teams section")

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # places.views
        return context

    @path("")
    def index(self, request: HttpRequest) -> HttpResponse:
        return page_view_get(self, "index")(request, self)  # places.views


class WardTeamPage(Page):
    """A ward's team: its councillors and candidates, surgeries and where enquiries go."""

    ward = models.ForeignKey(
        Ward,
        verbose_name=_("ward"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_pages",
        help_text=_(
            "The ward this team looks after. Messages sent from the ward's postcodes are "
            "passed to this team."
        ),
    )
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link", "ul"])
    team_email = models.EmailField(
        _("team email"),
        blank=True,
        help_text=_(
            "Where messages from this ward's residents are sent. Not shown on the site. "
            "Leave empty to use the site's contact email."
        ),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("ward"), FieldPanel("team_email")], heading=_("Ward")),
        FieldPanel("intro"),
        InlinePanel("members", heading=_("Team members"), label=_("Member")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["places.WardTeamIndexPage"]
    subpage_types: list[str] = []
    # A copy must not claim the same ward: an editor picks the ward for the copy.
    exclude_fields_in_copy = ["ward"]

    class Meta:
        verbose_name = _("ward team")
        constraints = [
            models.UniqueConstraint(
                fields=["ward"], condition=Q(ward__isnull=False), name="one_team_page_per_ward"
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.ward_id is None:
            return
        other = WardTeamPage.objects.filter(ward_id=self.ward_id).exclude(pk=self.pk).first()
        if other is not None:
            raise ValidationError(
                {"ward": _("“%(team)s” already looks after this ward.") % {"team": other.title}}
            )

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context.update(page_context(self, request))  # places.views
        return context


class WardTeamMember(Orderable):
    """A councillor or candidate on a ward team, shown as a card on the team's page."""

    page = ParentalKey(WardTeamPage, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(
        _("role"), max_length=100, help_text=_("For example “Councillor” or “Candidate”.")
    )
    surgery_times = models.TextField(
        _("surgery times"),
        blank=True,
        help_text=_(
            "When and where residents can meet them, e.g. “First Saturday, 10am, library”."
        ),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True, help_text=_("Shown on the site."))

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("photo"),
        FieldPanel("surgery_times"),
        FieldPanel("phone"),
        FieldPanel("email"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("team member")

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def initials(self) -> str:
        """Up to two initials for the card when there is no photo ("Cllr Priya Shah" -> "PS")."""
        words = [word for word in self.name.split() if word.strip(".").lower() not in _TITLES]
        words = words or self.name.split()
        if not words:
            return ""
        picked = [words[0], words[-1]] if len(words) > 1 else words[:1]
        return "".join(word[0] for word in picked).upper()

    @property
    def phone_link(self) -> str:
        """The phone number as a ``tel:`` URI (digits and a leading plus only)."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
