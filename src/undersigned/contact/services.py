"""Writes for the contact inbox: taking in an enquiry, routing it to a ward team, its status.

Emails go out after the enquiry is committed, through the task queue (``contact.tasks``,
which sends ``contact.emails``), so that a slow or failing mail server never loses a message
or holds up the person sending it.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from undersigned.contact import tasks
from undersigned.contact.emails import default_site
from undersigned.contact.models import Enquiry, EnquiryStatus
from undersigned.places import selectors as places_selectors
from undersigned.places.models import Ward, WardTeamPage
from undersigned.places.postcodes import normalise_postcode
from undersigned.site.errors import ApplicationError
from undersigned.site.history import log_entries_forget
from undersigned.site.text import clean_text

MESSAGE_MAX_LENGTH = 5000


class EnquiryMessages:
    """What a person is told when the contact form cannot be accepted as it is."""

    NAME_MISSING = gettext_lazy("Enter your name")
    NAME_TOO_LONG = gettext_lazy("Your name must be 200 characters or fewer")
    EMAIL_MISSING = gettext_lazy("Enter your email address, so that we can reply")
    EMAIL_INVALID = gettext_lazy(
        "Enter an email address in the correct format, like name@example.com"
    )
    POSTCODE_MISSING = gettext_lazy("Enter your postcode")
    POSTCODE_INVALID = gettext_lazy("Enter a real UK postcode, like CR0 1NY")
    WARD_INVALID = gettext_lazy("Choose your ward from the list, or “I'm not sure”")
    MESSAGE_MISSING = gettext_lazy("Enter your message")
    MESSAGE_TOO_LONG = gettext_lazy("Your message must be 5,000 characters or fewer")
    SEND_AGAIN = gettext_lazy(
        "To protect our inbox from spam, please send your message again. Nothing you wrote "
        "has been lost: check it below and press “Send message”."
    )
    STATUS_UNKNOWN = gettext_lazy("Choose one of the statuses in the list.")


def clean_message(value: str) -> str:
    """Keep paragraphs; drop control characters, trailing spaces and runs of blank lines."""
    lines = []
    for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        kept = "".join(
            ch for ch in line if ch == "\t" or unicodedata.category(ch)[0] != "C"
        ).rstrip()
        if kept or (lines and lines[-1]):
            lines.append(kept)
    return "\n".join(lines).strip()


@transaction.atomic
def enquiry_create(
    *,
    name: str,
    email: str,
    postcode: str,
    message: str,
    chosen_ward: Ward | None = None,
    site: Site | None = None,
) -> Enquiry:
    """Put a message into the inbox as "new", routed to its ward team, and email both sides.

    The team (or the site's contact address) is told about it and the sender gets an
    acknowledgement, once the enquiry is committed. Raises :class:`ApplicationError` when a
    detail is missing or not valid (the form normally catches these first).
    """
    name = clean_text(name)
    email = email.strip().lower()
    message = clean_message(message)
    normalised = normalise_postcode(postcode)
    if not name:
        raise ApplicationError(str(EnquiryMessages.NAME_MISSING))
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(str(EnquiryMessages.EMAIL_INVALID)) from None
    if len(email) > Enquiry._meta.get_field("email").max_length:
        raise ApplicationError(str(EnquiryMessages.EMAIL_INVALID))
    if normalised is None:
        raise ApplicationError(str(EnquiryMessages.POSTCODE_INVALID))
    if not message:
        raise ApplicationError(str(EnquiryMessages.MESSAGE_MISSING))
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ApplicationError(str(EnquiryMessages.MESSAGE_TOO_LONG))

    enquiry = Enquiry(name=name, email=email, postcode=normalised, message=message)
    enquiry = enquiry_route(enquiry=enquiry, chosen_ward=chosen_ward)

    site = site or default_site()
    site_id = site.pk if site else None
    transaction.on_commit(
        lambda: tasks.enquiry_notification_send.enqueue(enquiry_id=enquiry.pk, site_id=site_id)
    )
    transaction.on_commit(
        lambda: tasks.enquiry_acknowledgement_send.enqueue(enquiry_id=enquiry.pk, site_id=site_id)
    )
    return enquiry


@transaction.atomic
def enquiry_route(*, enquiry: Enquiry, chosen_ward: Ward | None = None) -> Enquiry:
    """Set the enquiry's ward and team: from its postcode where we know it, else as chosen.

    The postcode's ward wins over a ward the sender picked; a team is taken from the
    postcode's ward first, then from the chosen ward. Saves and returns the enquiry.
    """
    chosen_ward = chosen_ward if chosen_ward is not None else enquiry.ward
    postcode_ward = (
        places_selectors.ward_for_postcode(postcode=enquiry.postcode) if enquiry.postcode else None
    )
    enquiry.ward = postcode_ward or chosen_ward
    enquiry.assigned_team = places_selectors.ward_team_for_ward(
        ward=postcode_ward
    ) or places_selectors.ward_team_for_ward(ward=chosen_ward)
    enquiry.save()
    return enquiry


@transaction.atomic
def enquiry_status_set(*, enquiry: Enquiry, status: str) -> Enquiry:
    """Move an enquiry to ``status`` (new, in progress, answered or closed)."""
    if status not in EnquiryStatus.values:
        raise ApplicationError(str(EnquiryMessages.STATUS_UNKNOWN), extra={"status": status})
    enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
    if enquiry.status != status:
        enquiry.status = status
        enquiry.save(update_fields=["status", "updated_at"])
    return enquiry


@transaction.atomic
def enquiry_update(
    *, enquiry: Enquiry, status: str, assigned_team: WardTeamPage | None, notes: str
) -> Enquiry:
    """The team's side of an enquiry: its status, which team has it, and internal notes.

    What the sender wrote is never changed here.
    """
    enquiry = enquiry_status_set(enquiry=enquiry, status=status)
    enquiry.assigned_team = assigned_team
    enquiry.notes = notes.replace("\r\n", "\n").strip()
    enquiry.save(update_fields=["assigned_team", "notes", "updated_at"])
    return enquiry


@transaction.atomic
def enquiries_delete(*, pks: list[int]) -> int:
    """Delete these messages and the admin's history of them (for erasure and retention).

    Returns how many were deleted.
    """
    log_entries_forget(model=Enquiry, pks=pks)
    deleted, _by_model = Enquiry.objects.filter(pk__in=pks).delete()
    return deleted
