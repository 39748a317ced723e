"""Reads for the contact inbox and for links to the contact page."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from wagtail.models import Site

from undersigned.contact.models import ContactPage, Enquiry, EnquiryStatus


def contact_page_get(*, site: Site | None) -> ContactPage | None:
    """The published contact page of ``site``, if it has one."""
    pages = ContactPage.objects.live().public()
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
    return pages.order_by("path").first()


def enquiry_list_for_admin() -> QuerySet[Enquiry]:
    """The inbox, newest first, with the ward and team each message is about."""
    return Enquiry.objects.select_related("ward", "assigned_team").order_by("-created_at")


def enquiry_list_past_retention(*, cutoff: datetime.datetime) -> QuerySet[Enquiry]:
    """Messages dealt with (answered or closed) and not touched since ``cutoff``."""
    return Enquiry.objects.filter(
        status__in=[EnquiryStatus.ANSWERED, EnquiryStatus.CLOSED], updated_at__lte=cutoff
    )
