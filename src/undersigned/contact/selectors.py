"""Reads for the contact inbox and for links to the contact page."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from wagtail.models import Site

from undersigned.contact.models import ContactPage, Enquiry, EnquiryStatus
from undersigned.petitions.services import name_key as name_fold


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


def enquiry_list_for_person(
    *, emails: set[str], name_key: str = "", postcode: str = ""
) -> QuerySet[Enquiry]:
    """Messages one person sent, with the team's notes on them, oldest first.

    The person is any of ``emails`` (any case), or the folded name ``name_key`` (folded as
    the sign form folds names) at a normalised ``postcode``; with neither, nobody.
    """
    match = Q()
    for email in sorted(emails - {""}):
        match |= Q(email__iexact=email)
    if name_key and postcode:
        # Names are compared folded, as the sign form does; the postcode narrows it first.
        same_name = [
            pk
            for pk, name in Enquiry.objects.filter(postcode=postcode).values_list("pk", "name")
            if name_fold(name) == name_key
        ]
        match |= Q(pk__in=same_name)
    if not match:
        return Enquiry.objects.none()
    return (
        Enquiry.objects.filter(match).select_related("ward", "assigned_team").order_by("created_at")
    )
