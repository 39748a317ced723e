"""Writes for the OSDI API: making and revoking keys, counting a key's requests, and
recording a signature a campaign tool sends.

A key is ``secrets.token_urlsafe(32)``: 256 random bits, drawn again when it would start
with "-", so that its prefix can be typed as an argument to ``manage.py api_key revoke``.
Only its SHA-256 is stored. A slow password hash (PBKDF2, Argon2) guards secrets people
choose, which can be guessed; nobody can guess 256 random bits, fast hash or not, and a fast
hash lets every request find its key by one indexed lookup instead of spending a tenth of a
second on each.
"""

from __future__ import annotations

import datetime
import math
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from undersigned.abuse import store
from undersigned.osdi.models import ApiKey, ApiScope, ApiSignature
from undersigned.osdi.selectors import api_key_secret_hash
from undersigned.petitions import services as petition_services
from undersigned.petitions.models import PetitionPage
from undersigned.petitions.services import SignerDetails, SignResult
from undersigned.site.errors import ApplicationError
from undersigned.supporters.models import ConsentSource

LOG_REVOKE = "osdi.api_key_revoke"
PREFIX_LENGTH = 8
RATE_WINDOW_SECONDS = 60
# last_used_at is written at most this often, not on every request of a busy key.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@transaction.atomic
def api_key_create(*, name: str, scope: str, created_by=None) -> tuple[ApiKey, str]:
    """Make a key; returns it and the key itself, which is never shown again."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the key a name, e.g. what will use it."), {"field": "name"})
    if len(name) > ApiKey._meta.get_field("name").max_length:
        raise ApplicationError(_("The name must be 100 characters or fewer."), {"field": "name"})
    if scope not in ApiScope.values:
        raise ApplicationError(_("The scope must be read or write."), {"field": "scope"})
    secret = _new_secret()
    api_key = ApiKey.objects.create(
        name=name,
        scope=scope,
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=api_key_secret_hash(secret),
        created_by=created_by,
    )
    log(instance=api_key, action="wagtail.create", user=created_by)
    return api_key, secret


def _new_secret() -> str:
    while (secret := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return secret


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, user=None) -> ApiKey:
    """Stop a key working, at once and for good (revoking it again changes nothing)."""
    revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    api_key.refresh_from_db()
    if revoked:
        log(instance=api_key, action=LOG_REVOKE, user=user)
    return api_key


def api_key_use(*, api_key: ApiKey, now: datetime.datetime | None = None) -> int | None:
    """Count one request made with ``api_key``: ``None`` if it is within the key's limit
    (``UNDERSIGNED_OSDI_REQUESTS_PER_MINUTE``, 0 for none), else the seconds to wait.

    Counted in Redis's sliding window (``abuse.store``) where there is Redis; without it, on
    the key's own row, a window that starts with the first request after the last one ended.
    """
    now = now or timezone.now()
    limit = settings.UNDERSIGNED_OSDI_REQUESTS_PER_MINUTE
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
        pk=api_key.pk,
    ).update(last_used_at=now)
    if not limit:
        return None
    counts = store.hits(
        [(rate_counter_name(api_key), limit)], RATE_WINDOW_SECONDS, now=now.timestamp()
    )
    if counts is not None:
        return RATE_WINDOW_SECONDS if counts[0] > limit else None
    return _database_window_use(api_key, now=now, limit=limit)


def rate_counter_name(api_key: ApiKey) -> str:
    """The key's counter in Redis: named by part of its hash, unique to it even where
    several sites (or test runs) share one Redis, and no help to anyone guessing the key."""
    return f"osdi:key:{api_key.secret_hash[:24]}"


@transaction.atomic
def _database_window_use(api_key: ApiKey, *, now: datetime.datetime, limit: int) -> int | None:
    window_open = Q(window_started_at__gt=now - datetime.timedelta(seconds=RATE_WINDOW_SECONDS))
    # One UPDATE: two requests at once each add their one (the row is locked in between).
    ApiKey.objects.filter(pk=api_key.pk).update(
        window_uses=Case(When(window_open, then=F("window_uses") + 1), default=Value(1)),
        window_started_at=Case(When(window_open, then=F("window_started_at")), default=Value(now)),
    )
    started, uses = (
        ApiKey.objects.filter(pk=api_key.pk)
        .order_by()
        .values_list("window_started_at", "window_uses")[0]
    )
    if uses <= limit:
        return None
    left = started + datetime.timedelta(seconds=RATE_WINDOW_SECONDS) - now
    return max(1, math.ceil(left.total_seconds()))


def api_key_ip_hash(api_key: ApiKey) -> str:
    """What a key's signatures are counted against by the signing limits, as a connection's
    are: the keyed hash of a name no internet address can have."""
    return petition_services.hash_client_ip(f"osdi-api-key:{api_key.pk}")


def signature_record(
    *, api_key: ApiKey, petition: PetitionPage, signer: SignerDetails
) -> SignResult:
    """Sign ``petition`` for ``signer`` as the sign form would (the same checks, duplicate
    rules, consent recording and confirmation email, limits counted per key), and note the
    key it came with, in one transaction: a refusal leaves nothing stored.

    Raises :class:`ApplicationError` as :func:`petitions.services.sign` does; a petition
    asking signers' browsers for proof of work takes nothing through the API meanwhile.
    """
    if not api_key.can_write:
        raise ApplicationError(_("This key can only read."), {"scope": api_key.scope})
    with transaction.atomic():
        result = petition_services.sign(
            petition=petition,
            signer=signer,
            ip_hash=api_key_ip_hash(api_key),
            consent_source=ConsentSource.API,
        )
        ApiSignature.objects.create(signature=result.signature, api_key=api_key)
    return result
