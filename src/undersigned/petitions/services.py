"""Writes for petitions: signing, closing, and moderating signatures."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from undersigned.petitions import selectors
from undersigned.petitions.models import (
    PetitionPage,
    PetitionState,
    Signature,
    SignatureState,
)
from undersigned.places.postcodes import find_postcode, normalise_postcode
from undersigned.places.selectors import postcode_lookup
from undersigned.site.errors import ApplicationError
from undersigned.site.text import clean_multiline, clean_text
from undersigned.supporters.consent import updates_consent_wording
from undersigned.supporters.services import consent_record_given


class SignMessages:
    """What a person is told when the sign form cannot be accepted as it is."""

    NAME_MISSING = gettext_lazy("Enter your name")
    NAME_TOO_LONG = gettext_lazy("Your name must be 200 characters or fewer")
    PLACE_MISSING = gettext_lazy("Enter your address or postcode")
    ADDRESS_TOO_LONG = gettext_lazy("Your address must be 500 characters or fewer")
    POSTCODE_INVALID = gettext_lazy("Enter a real UK postcode, like CR0 1NY")
    EMAIL_INVALID = gettext_lazy(
        "Enter an email address in the correct format, like name@example.com"
    )
    EMAIL_NEEDED_FOR_UPDATES = gettext_lazy(
        "Enter your email address to be kept up to date, or untick the box"
    )
    CLOSED = gettext_lazy("This petition is closed and no longer takes signatures.")


@dataclass(frozen=True)
class SignerDetails:
    """What a person typed into the sign form, before normalising."""

    name: str
    address: str = ""
    postcode: str = ""
    email: str = ""
    wants_updates: bool = False


@dataclass(frozen=True)
class SignResult:
    signature: Signature

    @property
    def counted(self) -> bool:
        return self.signature.state == SignatureState.COUNTED


def name_key(name: str) -> str:
    """The form of a name used to spot the same person signing twice."""
    # Folding can lengthen a name ("ß" -> "ss"); keep the key within its column.
    return clean_text(unicodedata.normalize("NFKC", name)).casefold()[:200]


def hash_client_ip(ip: str) -> str:
    """A keyed hash of the client address: lets abuse be spotted without storing the address."""
    key = (settings.UNDERSIGNED_IP_HASH_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()[:32]


def petition_ensure_accepting(petition: PetitionPage) -> None:
    if not petition.is_accepting_signatures():
        raise ApplicationError(str(SignMessages.CLOSED), extra={"state": petition.state})


def _find_original(petition: PetitionPage, *, email: str, key: str, postcode: str):
    same_person = Q()
    if email:
        same_person |= Q(email=email)
    if postcode:
        same_person |= Q(name_key=key, postcode=postcode)
    if not same_person:
        return None
    return (
        Signature.objects.filter(petition=petition)
        .exclude(state=SignatureState.DUPLICATE)
        .filter(same_person)
        .order_by("created_at")
        .first()
    )


def sign(*, petition: PetitionPage, signer: SignerDetails, ip_hash: str = "") -> SignResult:
    """Store a signature for ``petition``: counted if it is the person's first, else a duplicate.

    The caller shows the same thank-you page either way, so nobody can use the form to find
    out whether someone has signed. Raises :class:`ApplicationError` if the petition is closed.
    """
    petition_ensure_accepting(petition)

    name = clean_text(signer.name)
    address = clean_multiline(signer.address)
    postcode = normalise_postcode(signer.postcode) if signer.postcode.strip() else None
    if signer.postcode.strip() and postcode is None:
        raise ApplicationError(str(SignMessages.POSTCODE_INVALID))
    postcode = postcode or find_postcode(address) or ""
    email = clean_text(signer.email).lower()
    if not name:
        raise ApplicationError(str(SignMessages.NAME_MISSING))
    if not (address or postcode):
        raise ApplicationError(str(SignMessages.PLACE_MISSING))
    if signer.wants_updates and not email:
        raise ApplicationError(str(SignMessages.EMAIL_NEEDED_FOR_UPDATES))

    now = timezone.now()
    consent = (
        updates_consent_wording(organiser_name=petition.organiser_name)
        if signer.wants_updates
        else None
    )
    key = name_key(name)
    # Where the signer lives, from the postcode table (a primary-key read; empty when unknown).
    place = postcode_lookup(postcode=postcode) if postcode else None
    # Two first signatures by one person can race on PostgreSQL: the partial unique
    # constraints let only one be the original, and the loser is stored as a duplicate.
    for attempt in range(2):
        try:
            with transaction.atomic():
                original = _find_original(petition, email=email, key=key, postcode=postcode)
                signature = Signature.objects.create(
                    petition=petition,
                    name=name,
                    name_key=key,
                    address=address,
                    postcode=postcode,
                    email=email,
                    wants_updates=consent is not None,
                    consent_text=consent.text if consent else "",
                    consent_version=consent.version if consent else "",
                    consented_at=now if consent else None,
                    ip_hash=ip_hash,
                    state=SignatureState.DUPLICATE if original else SignatureState.COUNTED,
                    duplicate_of=original,
                    created_at=now,
                    ward_code=place.ward_code if place else "",
                    constituency_code=place.constituency_code if place else "",
                    local_authority_code=place.local_authority_code if place else "",
                )
                if signature.wants_updates:
                    consent_record_given(signature=signature)
        except IntegrityError:
            if attempt:
                raise
            continue
        # The cached count is left to expire: forgetting it on every signature would
        # recount on every request at the peak, which is what the cache is there to avoid.
        return SignResult(signature=signature)
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def petition_close(*, petition: PetitionPage) -> PetitionPage:
    """Stop a petition taking signatures, now, and publish that change."""
    if petition.state == PetitionState.HANDED_IN:
        raise ApplicationError(_("This petition has already been handed in."))
    if petition.state == PetitionState.CLOSED:
        return petition
    petition.state = PetitionState.CLOSED
    revision = petition.save_revision(log_action=False)
    revision.publish(log_action=True)
    petition.refresh_from_db()
    return petition


def _signature_move(
    *, signature: Signature, allowed_from: set[str], to: str, refusal: str
) -> Signature:
    with transaction.atomic():
        signature = Signature.objects.select_for_update().get(pk=signature.pk)
        if signature.state == to:
            return signature
        if signature.state not in allowed_from:
            raise ApplicationError(refusal, extra={"state": signature.state})
        signature.state = to
        signature.state_changed_at = timezone.now()
        signature.save(update_fields=["state", "state_changed_at"])
    selectors.signature_count_forget(petition=signature.petition)
    return signature


def signature_invalidate(*, signature: Signature) -> Signature:
    """Stop a signature counting. It stays recorded and can be restored."""
    return _signature_move(
        signature=signature,
        allowed_from={SignatureState.COUNTED, SignatureState.SUSPECT},
        to=SignatureState.INVALIDATED,
        refusal=_("Only counted or suspect signatures can be invalidated."),
    )


def signature_restore(*, signature: Signature) -> Signature:
    """Count an invalidated or suspect signature again."""
    return _signature_move(
        signature=signature,
        allowed_from={SignatureState.INVALIDATED, SignatureState.SUSPECT},
        to=SignatureState.COUNTED,
        refusal=_("Only invalidated or suspect signatures can be restored."),
    )
