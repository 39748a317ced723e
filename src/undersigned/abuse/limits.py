"""Rate limits and kill switches for the sign path, read cheaply on every request.

The organisers' settings (:class:`~undersigned.abuse.models.AbuseSettings`) are kept by each
process for a few seconds, so that signing adds no settings query per request; a change in the
admin shows within a few seconds everywhere (at once in the process that saved it).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from undersigned.abuse import store
from undersigned.abuse.models import AbuseSettings
from undersigned.abuse.suspicion import RateLimitCheck, SuspectReason
from undersigned.speed.caching import cached_forget, kept_in_process

if TYPE_CHECKING:
    from undersigned.petitions.models import PetitionPage

SETTINGS_CACHE_KEY = "abuse:settings:v1"
SETTINGS_CACHE_SECONDS = 5

SIGNING_PAUSED_STANDARD = _(
    "Signing is paused for a while. Please come back later: every signature made so far "
    "still counts."
)


@dataclass(frozen=True)
class AbuseLimits:
    """A snapshot of the site-wide abuse settings (small, so that it caches well)."""

    per_petition_limit: int
    overall_limit: int
    window_minutes: int
    signing_paused: bool
    signing_paused_message: str
    breakdowns_paused: bool
    proof_of_work_difficulty: int


def _abuse_limits_load() -> AbuseLimits:
    current = AbuseSettings.load()
    return AbuseLimits(
        per_petition_limit=current.per_petition_limit,
        overall_limit=current.overall_limit,
        window_minutes=current.window_minutes,
        signing_paused=current.signing_paused,
        signing_paused_message=current.signing_paused_message,
        breakdowns_paused=current.breakdowns_paused,
        proof_of_work_difficulty=current.proof_of_work_difficulty,
    )


def abuse_limits() -> AbuseLimits:
    """The site-wide settings, at most a few seconds old."""
    return kept_in_process(SETTINGS_CACHE_KEY, SETTINGS_CACHE_SECONDS, _abuse_limits_load)


@receiver(post_save, sender=AbuseSettings, dispatch_uid="abuse_limits_forget")
def abuse_limits_forget(**kwargs) -> None:
    cached_forget(SETTINGS_CACHE_KEY)


def signing_limit_check(
    *,
    petition_id: int,
    ip_hash: str,
    now: float | None = None,
    limits: AbuseLimits | None = None,
) -> SuspectReason | None:
    """Count one signature from ``ip_hash`` in Redis and say which limit, if any, it goes over.

    The window is the ``window_minutes`` up to now, as when the database counts: one counter
    per connection per petition and one per connection across the site, both counted in one
    round trip. The keys hold the keyed hash only, never an address. A limit of 0 is off;
    an empty ``ip_hash`` is never limited. ``None`` if Redis is not configured or not
    answering: then the limits are for the database to apply as it stores the signature
    (:func:`database_limit_check`).
    """
    if not ip_hash:
        return SuspectReason.NONE
    limits = limits or abuse_limits()
    checks = [
        (
            f"sign:petition:{petition_id}:{ip_hash}",
            limits.per_petition_limit,
            SuspectReason.PETITION_RATE_LIMIT,
        ),
        (f"sign:all:{ip_hash}", limits.overall_limit, SuspectReason.OVERALL_RATE_LIMIT),
    ]
    checks = [check for check in checks if check[1]]
    if not checks:
        return SuspectReason.NONE
    counts = store.hits(
        [(key, limit) for key, limit, _ in checks], limits.window_minutes * 60, now=now
    )
    if counts is None:
        return None
    for (_key, limit, reason), count in zip(checks, counts, strict=True):
        if count > limit:
            return reason
    return SuspectReason.NONE


def database_limit_check(
    *, ip_hash: str, now: datetime.datetime, limits: AbuseLimits
) -> RateLimitCheck:
    """The same limits, for the signature's own insert to apply from the signatures stored.

    The window is the ``window_minutes`` before ``now``, as in Redis, and every signature
    stored from the connection in it counts (suspect and duplicate ones too, as each
    attempt counts in Redis).
    """
    return RateLimitCheck(
        ip_hash=ip_hash,
        since=now - datetime.timedelta(minutes=limits.window_minutes),
        per_petition=limits.per_petition_limit,
        overall=limits.overall_limit,
    )


def signing_paused_message(
    *, petition: PetitionPage, limits: AbuseLimits | None = None
) -> str | None:
    """What to show instead of the sign form if signing is paused (on the petition or the
    whole site), else ``None``."""
    if petition.signing_paused:
        return petition.signing_paused_message.strip() or str(SIGNING_PAUSED_STANDARD)
    limits = limits or abuse_limits()
    if limits.signing_paused:
        return limits.signing_paused_message.strip() or str(SIGNING_PAUSED_STANDARD)
    return None


def breakdowns_paused(*, limits: AbuseLimits | None = None) -> bool:
    """Whether the public "Support by area" section is turned off to spare the database."""
    return (limits or abuse_limits()).breakdowns_paused
