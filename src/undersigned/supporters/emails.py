"""Composing an update email: plain text with a simple HTML twin, and one-click unsubscribe.

Every update carries its unsubscribe link in the body and in the ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` headers (RFC 8058), so mail programs can offer their own button.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from wagtail.models import Site

from undersigned.site.models import SiteSettings
from undersigned.supporters.models import PetitionUpdate, Supporter, UpdateAudience
from undersigned.supporters.unsubscribe import unsubscribe_url


@dataclass(frozen=True)
class Sender:
    """Who an update comes from: the petition's organiser, at the site's sending address."""

    from_email: str
    reply_to: list[str]
    organisation: str


def update_sender(*, update: PetitionUpdate) -> Sender:
    site = Site.objects.filter(is_default_site=True).first()
    site_settings = SiteSettings.for_site(site) if site else None
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return Sender(
        from_email=formataddr((update.petition.organiser_name, address)),
        reply_to=[site_settings.contact_email]
        if site_settings and site_settings.contact_email
        else [],
        organisation=site_settings.organisation_name if site_settings else "",
    )


def _absolute(url: str) -> str:
    if url.startswith("/"):
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url
    return url


@dataclass(frozen=True)
class RenderedUpdate:
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    unsubscribe_url: str


def update_render(
    *, update: PetitionUpdate, email: str, sender: Sender, test: bool = False
) -> RenderedUpdate:
    """The update as ``email`` will receive it (``test`` marks the organiser's own copy).

    The unsubscribe link names the supporter by their reference, never the address. Every
    recipient is on the supporter list; an address that is not (an organiser's test copy
    or the admin's preview) gets a sample link whose page says so.
    """
    supporter = Supporter.objects.filter(email=email.strip().lower()).first()
    link = unsubscribe_url(
        reference=supporter.reference if supporter else "", petition_id=update.petition_id
    )
    petition = update.petition
    context = {
        "update": update,
        "petition": petition,
        # Only an update about the petition links to it: one to everyone, or to an area, is
        # from its organiser but need not be about it (a newsletter, say).
        "petition_url": (
            _absolute(petition.get_url() or "")
            if update.audience == UpdateAudience.PETITION
            else ""
        ),
        "unsubscribe_url": link,
        "organisation": sender.organisation,
        "test": test,
    }
    subject = update.subject
    if test:
        subject = _("[Test] %(subject)s") % {"subject": subject}
    return RenderedUpdate(
        subject=subject,
        text=render_to_string("supporters/emails/update.txt", context),
        html=render_to_string("supporters/emails/update.html", context),
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        unsubscribe_url=link,
    )


def update_message(
    *, update: PetitionUpdate, email: str, sender: Sender, connection=None, test: bool = False
) -> EmailMultiAlternatives:
    rendered = update_render(update=update, email=email, sender=sender, test=test)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender.from_email,
        to=[email],
        reply_to=sender.reply_to,
        headers=rendered.headers,
        connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
