"""The contact page (edited in the CMS) and enquiries: the correspondence inbox it fills."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from undersigned.site.page_views import page_view_get

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

DEFAULT_PRIVACY_NOTICE = (
    "<p>We use the details you give here only to answer your message. We pass it to the "
    "ward team for your area, and we email you once to confirm that it has arrived.</p>"
    "<p>We never share your details with anyone else, and we never add you to a mailing "
    "list because you contacted us. We keep your message only as long as we need it to deal "
    "with what you asked.</p>"
)


class ContactPage(RoutablePageMixin, Page):
    """The "Contact us" page: the form at its URL, the acknowledgement at ``thanks/``."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("What people can contact you about, and how soon they can expect a reply."),
    )
    privacy_notice = RichTextField(
        _("privacy notice"),
        features=["bold", "italic", "link", "ul"],
        default=DEFAULT_PRIVACY_NOTICE,
        help_text=_("Shown next to the form: what you do with the details people send."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("privacy_notice")]
    parent_page_types = ["site.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("contact page")

    @property
    def thanks_url(self) -> str:
        return self.url + self.reverse_subpage("thanks")

    @path("")
    def contact(self, request: HttpRequest) -> HttpResponse:
        return page_view_get(self, "contact")(request, self)  # contact.views

    @path("thanks/", name="thanks")
    def thanks(self, request: HttpRequest) -> HttpResponse:
        return page_view_get(self, "thanks")(request, self)  # contact.views


class EnquiryStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Enquiry(models.Model):
    """One message sent through the contact form: an entry in the correspondence inbox.

    What the sender wrote is kept as they sent it; the team works on the status, the
    assigned team and its own notes.
    """

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=254)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    ward = models.ForeignKey(
        "places.Ward",
        verbose_name=_("ward"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enquiries",
    )
    message = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=16, choices=EnquiryStatus.choices, default=EnquiryStatus.NEW
    )
    assigned_team = models.ForeignKey(
        "places.WardTeamPage",
        verbose_name=_("assigned ward team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enquiries",
    )
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("For the team only: never sent to the sender.")
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("enquiry")
        verbose_name_plural = _("enquiries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="enquiry_status_created"),
            models.Index(fields=["created_at"], name="enquiry_created"),
        ]
        constraints = [
            models.CheckConstraint(
                name="enquiry_status_is_known", condition=Q(status__in=EnquiryStatus.values)
            ),
            models.CheckConstraint(name="enquiry_has_email", condition=~Q(email="")),
            models.CheckConstraint(name="enquiry_has_message", condition=~Q(message="")),
        ]

    def __str__(self) -> str:
        return _("%(name)s, %(date)s") % {
            "name": self.name,
            "date": timezone.localtime(self.created_at).strftime("%d %b %Y %H:%M"),
        }
