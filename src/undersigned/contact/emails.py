"""The two emails sent for each new enquiry: to the team, and back to the sender.

Sent by the task queue (``contact.tasks``) once the enquiry is committed.
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Site

from undersigned.contact.models import Enquiry
from undersigned.places.models import WardTeamPage
from undersigned.site.models import SiteSettings


def default_site() -> Site | None:
    return Site.objects.filter(is_default_site=True).first()


def enquiry_notification_recipient(*, team: WardTeamPage | None, site: Site | None) -> str:
    """Where a new enquiry is announced: the ward team, else the site's contact address,
    else the address mail is sent from."""
    if team is not None and team.team_email:
        return team.team_email
    if site is not None:
        contact_email = SiteSettings.for_site(site).contact_email
        if contact_email:
            return contact_email
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _admin_url(enquiry: Enquiry) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("contact_enquiry:edit", args=[enquiry.pk])


def enquiry_notification_send(*, enquiry: Enquiry, site: Site | None) -> None:
    """Email the team: everything the sender wrote, with Reply-To set to the sender."""
    site = site or default_site()
    team = enquiry.assigned_team
    organisation = SiteSettings.for_site(site).organisation_name if site else ""
    if enquiry.ward:
        subject = _("[%(ward)s] New message from %(name)s") % {
            "ward": enquiry.ward.name,
            "name": enquiry.name,
        }
    else:
        subject = _("New message from %(name)s") % {"name": enquiry.name}
    body = render_to_string(
        "contact/emails/notification.txt",
        {
            "enquiry": enquiry,
            "team": team,
            "organisation": organisation,
            "admin_url": _admin_url(enquiry),
        },
    )
    EmailMessage(
        subject=subject,
        body=body,
        to=[enquiry_notification_recipient(team=team, site=site)],
        reply_to=[enquiry.email],
    ).send()


def enquiry_acknowledgement_send(*, enquiry: Enquiry, site: Site | None) -> None:
    """Tell the sender their message arrived and what happens next.

    It holds nothing the sender typed (not even their name): anyone can type anyone's
    address into a form, and this email must not carry their words to a stranger.
    """
    site = site or default_site()
    site_settings = SiteSettings.for_site(site) if site else None
    organisation = site_settings.organisation_name if site_settings else ""
    body = render_to_string(
        "contact/emails/acknowledgement.txt",
        {
            "team": enquiry.assigned_team,
            "organisation": organisation,
            "phone": site_settings.contact_phone if site_settings else "",
        },
    )
    reply_to = (
        [site_settings.contact_email] if site_settings and site_settings.contact_email else []
    )
    EmailMessage(
        subject=_("We have received your message"),
        body=body,
        to=[enquiry.email],
        reply_to=reply_to,
    ).send()
