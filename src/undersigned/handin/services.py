"""Writes for the hand-in: asking for a pack (``handin.build`` builds it in the background),
marking a petition handed in, and deleting packs when signers' personal data is removed."""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.handin import tasks
from undersigned.handin.build import ensure_has_signatories, pack_files_delete
from undersigned.handin.models import HandinPack, HandinPackState
from undersigned.petitions import services as petition_services
from undersigned.petitions.models import PetitionPage, PetitionState
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_text


@transaction.atomic
def handin_pack_create(
    *,
    petition: PetitionPage,
    created_by: AbstractBaseUser | None,
    include_addresses: bool = False,
) -> HandinPack:
    """Queue a new pack for ``petition``; a background task builds it.

    Refuses while another pack of the same petition is still waiting or building.
    """
    petition = PetitionPage.objects.select_for_update().get(pk=petition.pk)
    ensure_has_signatories(petition)
    busy = HandinPack.objects.filter(
        petition=petition, state__in=[HandinPackState.QUEUED, HandinPackState.BUILDING]
    )
    if busy.exists():
        raise ApplicationError(
            _("A pack for this petition is already being built. Wait for it to finish.")
        )
    pack = HandinPack.objects.create(
        petition=petition, created_by=created_by, include_addresses=include_addresses
    )

    transaction.on_commit(lambda: tasks.handin_pack_build_task.enqueue(pack_id=pack.pk))
    return pack


def handin_pack_delete(*, pack: HandinPack) -> None:
    """Delete a pack and its files."""
    pack_files_delete(pack)
    pack.delete()


def handin_packs_delete(*, petition: PetitionPage) -> int:
    """Delete every pack of ``petition`` and its files (when its signers' data is removed)."""
    packs = list(HandinPack.objects.filter(petition=petition))
    for pack in packs:
        handin_pack_delete(pack=pack)
    return len(packs)


def _as_datetime(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """A date from the form stands for midday of that day in the site's time zone, so that
    it reads as the same date in any time zone a report may use."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time(12, 0)))


@transaction.atomic
def petition_hand_in(
    *,
    petition: PetitionPage,
    handed_in_at: datetime.date | datetime.datetime,
    handed_in_to: str,
    user: AbstractBaseUser | None = None,
) -> PetitionPage:
    """Record that ``petition`` was handed in, when and to whom (at once, on the live page).

    An open petition is closed by being handed in. A petition is handed in once: a second
    attempt is refused, as is a date in the future or before the petition opened.
    """
    petition = PetitionPage.objects.select_for_update().get(pk=petition.pk)
    if petition.state == PetitionState.HANDED_IN:
        raise ApplicationError(
            _("This petition was already handed in on %(date)s, to %(to)s.")
            % {
                "date": timezone.localtime(petition.handed_in_at).strftime("%-d %B %Y")
                if petition.handed_in_at
                else "?",
                "to": petition.handed_in_to or "?",
            }
        )
    if petition.opened_at is None:
        raise ApplicationError(_("A petition that never opened cannot be handed in."))
    recipient = clean_text(handed_in_to)
    if not recipient:
        raise ApplicationError(_("Say who received the petition."))
    if len(recipient) > 200:
        raise ApplicationError(_("Who received it must be 200 characters or fewer."))
    when = _as_datetime(handed_in_at)
    today = timezone.localdate()
    if timezone.localtime(when).date() > today:
        raise ApplicationError(_("The hand-in date cannot be in the future."))
    if timezone.localtime(when).date() < timezone.localtime(petition.opened_at).date():
        raise ApplicationError(_("The hand-in date cannot be before the petition opened."))

    return petition_services.petition_handed_in_record(
        petition=petition, handed_in_at=when, handed_in_to=recipient, user=user
    )
