"""Background tasks for the contact inbox: the two emails sent for each new enquiry."""

from __future__ import annotations

from django_tasks import task
from wagtail.models import Site

from undersigned.contact import emails
from undersigned.contact.models import Enquiry


def _load(enquiry_id: int, site_id: int | None) -> tuple[Enquiry | None, Site | None]:
    enquiry = Enquiry.objects.select_related("ward", "assigned_team").filter(pk=enquiry_id).first()
    site = Site.objects.filter(pk=site_id).first() if site_id else None
    return enquiry, site


@task()
def enquiry_notification_send(*, enquiry_id: int, site_id: int | None) -> None:
    enquiry, site = _load(enquiry_id, site_id)
    if enquiry is not None:  # deleted from the inbox before the email went
        emails.enquiry_notification_send(enquiry=enquiry, site=site)


@task()
def enquiry_acknowledgement_send(*, enquiry_id: int, site_id: int | None) -> None:
    enquiry, site = _load(enquiry_id, site_id)
    if enquiry is not None:
        emails.enquiry_acknowledgement_send(enquiry=enquiry, site=site)
