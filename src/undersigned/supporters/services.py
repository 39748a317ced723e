"""Writes for an organiser's updates: drafting (with who it goes to: a petition's signers,
everyone, or chosen areas), editing, deleting, a test email, the text that emails a
newsletter issue, and queueing or resuming the send.

The consent ledger's writes are in ``supporters.ledger`` (withdrawals, anonymising) and
``supporters.consent`` (consents given). The sending itself is done by the background tasks
through ``supporters.sending``: an update goes at most once per person. Each delivery row
is claimed (``pending`` -> ``sending``) by a conditional UPDATE that only one worker can
win, the mail server is called, and only then is the row marked ``sent``. If the mail
server fails, the claim is released and the batch stops; sending again (a retry, or
"Resume sending" in the admin) picks up only the rows still waiting. A process killed
between the mail server accepting a message and the row being marked leaves it
``sending``: after a while it is marked failed rather than retried, because it may
already have arrived.
"""

from __future__ import annotations

import smtplib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from undersigned.news.models import NewsletterIssue
from undersigned.petitions.models import PetitionPage
from undersigned.places.models import Constituency, LocalAuthority, Ward
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text
from undersigned.supporters import emails, selectors, tasks
from undersigned.supporters.consent import email_normalise
from undersigned.supporters.models import PetitionUpdate, UpdateAudience, UpdateState
from undersigned.supporters.sending import update_lock


class UpdateMessages:
    """What an organiser is told when a request about an update cannot be carried out."""

    SUBJECT_MISSING = gettext_lazy("Enter a subject")
    SUBJECT_TOO_LONG = gettext_lazy("The subject must be 150 characters or fewer")
    BODY_MISSING = gettext_lazy("Write the message")
    BODY_TOO_LONG = gettext_lazy("The message must be 20,000 characters or fewer")
    NOT_DRAFT = gettext_lazy(
        "This update has already been sent (or is being sent), so it can no longer be changed."
    )
    ALREADY_SENT = gettext_lazy("This update has already been sent, or is being sent.")
    NO_RECIPIENTS = gettext_lazy(
        "Nobody this update is for is a confirmed supporter who wants updates yet, so there "
        "is no one to send it to."
    )
    AUDIENCE_UNKNOWN = gettext_lazy("Choose who the update is for")
    AREAS_MISSING = gettext_lazy(
        "Choose at least one ward, constituency or council to send the update to"
    )
    NO_TEST_ADDRESS = gettext_lazy(
        "Your account has no email address. Add one under Account in the admin menu, then "
        "send the test again."
    )
    NEWSLETTER_READ = gettext_lazy("Read the whole issue (PDF): %(url)s")
    TEST_FAILED = gettext_lazy("The test email could not be sent: %(error)s")
    NOT_SENDING = gettext_lazy("Only an update that is being sent can be resumed.")


# Writing an update


def _clean_body(value: str) -> str:
    """Keep paragraphs; drop control characters, trailing spaces and runs of blank lines."""
    lines: list[str] = []
    for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        kept = "".join(
            ch for ch in line if ch == "\t" or unicodedata.category(ch)[0] != "C"
        ).rstrip()
        if kept or (lines and lines[-1]):
            lines.append(kept)
    return "\n".join(lines).strip()


def _update_clean(*, subject: str, body: str) -> tuple[str, str]:
    subject, body = clean_text(subject), _clean_body(body)
    if not subject:
        raise ApplicationError(str(UpdateMessages.SUBJECT_MISSING))
    if len(subject) > PetitionUpdate._meta.get_field("subject").max_length:
        raise ApplicationError(str(UpdateMessages.SUBJECT_TOO_LONG))
    if not body:
        raise ApplicationError(str(UpdateMessages.BODY_MISSING))
    if len(body) > PetitionUpdate._meta.get_field("body").max_length:
        raise ApplicationError(str(UpdateMessages.BODY_TOO_LONG))
    return subject, body


@dataclass(frozen=True)
class Audience:
    """Who an update is for, as the organiser chose it (see ``selectors.update_recipients``)."""

    kind: str = UpdateAudience.PETITION
    wards: tuple[Ward, ...] = ()
    constituencies: tuple[Constituency, ...] = ()
    councils: tuple[LocalAuthority, ...] = ()
    signed_petition: PetitionPage | None = None

    @classmethod
    def of(
        cls,
        kind: str,
        *,
        wards: Iterable[Ward] = (),
        constituencies: Iterable[Constituency] = (),
        councils: Iterable[LocalAuthority] = (),
        signed_petition: PetitionPage | None = None,
    ) -> Audience:
        return cls(kind, tuple(wards), tuple(constituencies), tuple(councils), signed_petition)


def _audience_clean(audience: Audience) -> Audience:
    """Areas and "also signed" only mean something for an areas audience: dropped otherwise."""
    if audience.kind not in UpdateAudience.values:
        raise ApplicationError(str(UpdateMessages.AUDIENCE_UNKNOWN))
    if audience.kind != UpdateAudience.AREAS:
        return Audience(kind=audience.kind)
    # Not a database constraint: a CHECK cannot see the rows of the choice tables.
    if not (audience.wards or audience.constituencies or audience.councils):
        raise ApplicationError(str(UpdateMessages.AREAS_MISSING))
    return audience


def _audience_save(update: PetitionUpdate, audience: Audience) -> None:
    update.wards.set(audience.wards)
    update.constituencies.set(audience.constituencies)
    update.councils.set(audience.councils)


@transaction.atomic
def petition_update_create(
    *,
    petition: PetitionPage,
    subject: str,
    body: str,
    audience: Audience | None = None,
    created_by: AbstractBaseUser | None = None,
) -> PetitionUpdate:
    """A draft update from ``petition``, by default to its signers who asked for updates.

    Nothing is sent until :func:`petition_update_send`.
    """
    subject, body = _update_clean(subject=subject, body=body)
    audience = _audience_clean(audience or Audience())
    update = PetitionUpdate.objects.create(
        petition=petition,
        subject=subject,
        body=body,
        audience=audience.kind,
        signed_petition=audience.signed_petition,
        created_by=created_by,
    )
    _audience_save(update, audience)
    return update


@transaction.atomic
def petition_update_edit(
    *,
    update: PetitionUpdate,
    petition: PetitionPage,
    subject: str,
    body: str,
    audience: Audience | None = None,
) -> PetitionUpdate:
    """Change a draft. Raises :class:`ApplicationError` once it has been sent."""
    update = update_lock(update)
    if not update.is_draft:
        raise ApplicationError(str(UpdateMessages.NOT_DRAFT), extra={"state": update.state})
    update.subject, update.body = _update_clean(subject=subject, body=body)
    audience = _audience_clean(audience or Audience())
    update.petition = petition
    update.audience = audience.kind
    update.signed_petition = audience.signed_petition
    update.save(update_fields=["petition", "subject", "body", "audience", "signed_petition"])
    _audience_save(update, audience)
    return update


def newsletter_update_text(*, issue: NewsletterIssue) -> tuple[str, str]:
    """The subject and message that email a newsletter issue: its summary and where to read it.

    The link is absolute (from ``WAGTAILADMIN_BASE_URL``, as every link in an email is) and
    goes to the document's own address, which serves the PDF.
    """
    subject = clean_text(issue.title)[: PetitionUpdate._meta.get_field("subject").max_length]
    paragraphs = [issue.summary.strip()] if issue.summary.strip() else []
    if issue.document is not None:
        link = issue.document.url
        if link.startswith("/"):
            link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + link
        paragraphs.append(str(UpdateMessages.NEWSLETTER_READ) % {"url": link})
    return subject, _clean_body("\n\n".join(paragraphs))


@transaction.atomic
def petition_update_delete(*, update: PetitionUpdate) -> None:
    """Throw away a draft. A sent update stays, as the record of what signers were sent."""
    update = update_lock(update)
    if not update.is_draft:
        raise ApplicationError(str(UpdateMessages.NOT_DRAFT), extra={"state": update.state})
    update.delete()


def petition_update_test_send(*, update: PetitionUpdate, user: AbstractBaseUser) -> str:
    """Email the update to ``user`` only, marked as a test. Returns the address it went to.

    Sent straight away rather than queued, so that the organiser hears at once if the mail
    server refuses it. The unsubscribe link in it is the organiser's own.
    """
    address = email_normalise(getattr(user, "email", "") or "")
    if not address:
        raise ApplicationError(str(UpdateMessages.NO_TEST_ADDRESS))
    update = PetitionUpdate.objects.select_related("petition").get(pk=update.pk)
    sender = emails.update_sender(update=update)
    message = emails.update_message(update=update, email=address, sender=sender, test=True)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        raise ApplicationError(str(UpdateMessages.TEST_FAILED) % {"error": error}) from error
    return address


# Sending an update


@transaction.atomic
def petition_update_send(*, update: PetitionUpdate, user: AbstractBaseUser) -> PetitionUpdate:
    """Queue a draft to go to its audience (see ``selectors.update_recipients``).

    The background task fixes the list of recipients and sends in batches; this only checks
    that there is someone to send to and that the update has not gone already.
    """
    update = update_lock(update)
    if not update.is_draft:
        raise ApplicationError(str(UpdateMessages.ALREADY_SENT), extra={"state": update.state})
    if not selectors.update_recipient_count(update=update):
        raise ApplicationError(str(UpdateMessages.NO_RECIPIENTS))
    update.state = UpdateState.QUEUED
    update.queued_at = timezone.now()
    update.queued_by = user
    update.save(update_fields=["state", "queued_at", "queued_by"])
    transaction.on_commit(partial(tasks.supporters_email_update.enqueue, update_id=update.pk))
    return update


@transaction.atomic
def petition_update_resume(*, update: PetitionUpdate) -> PetitionUpdate:
    """Start sending again after a failure: only the emails that have not gone are sent."""
    update = update_lock(update)
    if update.state not in (UpdateState.QUEUED, UpdateState.SENDING):
        raise ApplicationError(str(UpdateMessages.NOT_SENDING), extra={"state": update.state})
    transaction.on_commit(partial(tasks.supporters_email_update.enqueue, update_id=update.pk))
    return update
