"""Writes for petitions: signing, closing (by hand or by date), reopening, handing in,
pausing, moderating signatures, and the privacy writes other apps ask for (withdrawing
consent to updates, anonymising and deleting signatures)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from undersigned.abuse import limits, proof_of_work
from undersigned.abuse.proof_of_work import ProofProblem
from undersigned.petitions import selectors, signature_insert
from undersigned.petitions.models import (
    SAME_PERSON_RULES,
    PetitionPage,
    PetitionState,
    Signature,
    SignatureState,
    SuspectReason,
)
from undersigned.petitions.selectors import SigningTarget
from undersigned.petitions.signature_insert import RateLimitCheck, SignatureInsert
from undersigned.places.postcodes import find_postcode, normalise_postcode
from undersigned.places.selectors import postcode_lookup
from undersigned.site.errors import ApplicationError
from undersigned.site.history import log_entries_forget
from undersigned.site.text import clean_multiline, clean_text
from undersigned.speed.write_queue import write_turn
from undersigned.supporters.consent import consent_record_given, updates_consent_wording
from undersigned.supporters.models import ConsentSource


def signature_max_length(field: str) -> int:
    """The longest value the signature's ``field`` holds: the form's limit and the service's."""
    return Signature._meta.get_field(field).max_length


class SignMessages:
    """What a person is told when the sign form cannot be accepted as it is."""

    NAME_MISSING = gettext_lazy("Enter your name")
    NAME_TOO_LONG = format_lazy(
        gettext_lazy("Your name must be {max} characters or fewer"),
        max=signature_max_length("name"),
    )
    PLACE_MISSING = gettext_lazy("Enter your address or postcode")
    ADDRESS_TOO_LONG = format_lazy(
        gettext_lazy("Your address must be {max} characters or fewer"),
        max=signature_max_length("address"),
    )
    POSTCODE_INVALID = gettext_lazy("Enter a real UK postcode, like CR0 1NY")
    EMAIL_INVALID = gettext_lazy(
        "Enter an email address in the correct format, like name@example.com"
    )
    EMAIL_NEEDED_FOR_UPDATES = gettext_lazy(
        "Enter your email address to be kept up to date, or untick the box"
    )
    CLOSED = gettext_lazy("This petition is closed and no longer takes signatures.")
    PROOF_OF_WORK_MISSING = gettext_lazy(
        "To protect this petition from automated signatures, your browser must do a quick "
        "check before it can sign, and the check needs JavaScript. Please turn JavaScript on "
        "(or wait until the form says your browser is checked) and send the form again. "
        "Everything you typed is still here."
    )
    PROOF_OF_WORK_EXPIRED = gettext_lazy(
        "Your browser's check ran out of time. It is checking again: when the form says it is "
        "done, send it again. Everything you typed is still here."
    )
    TRY_AGAIN = gettext_lazy(
        "Your signature could not be saved just now. Please send the form again: everything "
        "you typed is still here."
    )
    PROOF_OF_WORK_FAILED = gettext_lazy(
        "Your browser's check could not be confirmed. It is checking again: when the form says "
        "it is done, send it again. Everything you typed is still here."
    )


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

    @property
    def suspect(self) -> bool:
        return self.signature.state == SignatureState.SUSPECT


PROOF_OF_WORK_MESSAGES = {
    ProofProblem.MISSING: SignMessages.PROOF_OF_WORK_MISSING,
    ProofProblem.EXPIRED: SignMessages.PROOF_OF_WORK_EXPIRED,
}


def name_key(name: str) -> str:
    """The form of a name used to spot the same person signing twice."""
    # Folding can lengthen a name ("ß" -> "ss"); keep the key within its column.
    return clean_text(unicodedata.normalize("NFKC", name)).casefold()[:200]


def hash_client_ip(ip: str) -> str:
    """A keyed hash of the client address: lets abuse be spotted without storing the address."""
    key = (settings.UNDERSIGNED_IP_HASH_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()[:32]


def petition_ensure_accepting(
    petition: PetitionPage | SigningTarget,
    *,
    abuse: limits.AbuseLimits | None = None,
    now: datetime.datetime | None = None,
) -> None:
    if not petition.is_accepting_signatures(now=now):
        raise ApplicationError(str(SignMessages.CLOSED), extra={"state": petition.state})
    paused = limits.signing_paused_message(petition=petition, limits=abuse)
    if paused:
        raise ApplicationError(paused, extra={"paused": True})


def _fits(value: str, field: str) -> bool:
    return len(value) <= signature_max_length(field)


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


@dataclass(frozen=True)
class CheckedSigner:
    """A signer's details tidied as they are stored, and the key that finds the same person."""

    name: str
    name_key: str
    address: str
    postcode: str
    email: str


def _refuse(message, field: str):
    return ApplicationError(str(message), extra={"field": field})


def signer_check(*, signer: SignerDetails) -> CheckedSigner:
    """The rules of what a signature may hold, for every way in (the sign form and paper).

    Tidies each detail as it will be stored (the postcode normalised, or found in the
    address; the email lower-cased) and raises :class:`ApplicationError` with the first
    problem, ``extra["field"]`` naming the detail it is about.
    """
    name = clean_text(signer.name)
    address = clean_multiline(signer.address)
    postcode = normalise_postcode(signer.postcode) if signer.postcode.strip() else None
    if signer.postcode.strip() and postcode is None:
        raise _refuse(SignMessages.POSTCODE_INVALID, "postcode")
    postcode = postcode or find_postcode(address) or ""
    email = clean_text(signer.email).lower()
    if not name:
        raise _refuse(SignMessages.NAME_MISSING, "name")
    if not _fits(name, "name"):
        raise _refuse(SignMessages.NAME_TOO_LONG, "name")
    if not _fits(address, "address"):
        raise _refuse(SignMessages.ADDRESS_TOO_LONG, "address")
    if not (address or postcode):
        raise _refuse(SignMessages.PLACE_MISSING, "address")
    if email and not (_fits(email, "email") and _is_email(email)):
        raise _refuse(SignMessages.EMAIL_INVALID, "email")
    if signer.wants_updates and not email:
        raise _refuse(SignMessages.EMAIL_NEEDED_FOR_UPDATES, "email")
    return CheckedSigner(
        name=name, name_key=name_key(name), address=address, postcode=postcode, email=email
    )


def _find_originals(petition: PetitionPage, *, signature: Signature) -> list[Signature]:
    """The earlier signatures that are not duplicates of the person who made ``signature``:
    at most one by each way of being the same person (``SAME_PERSON_RULES``), earliest
    first; of those made at the same moment, the one the earlier rule found.

    One lookup per rule, each with its unique constraint's condition, so that the database
    reads that constraint's partial index. (SQLite cannot use them for the lookups joined
    with OR, and read every signature of the petition instead.)
    """
    signatures = Signature.objects.filter(petition=petition).order_by()
    person = {name: getattr(signature, name) for rule in SAME_PERSON_RULES for name in rule.key}
    found: dict[int, Signature] = {}
    for rule in SAME_PERSON_RULES:
        if rule.applies(person):
            earlier = signatures.filter(rule.condition(), rule.matching(person))[:1]
            found.update((s.pk, s) for s in earlier)
    return sorted(found.values(), key=lambda signature: signature.created_at)


def sign(
    *,
    petition: PetitionPage | SigningTarget,
    signer: SignerDetails,
    ip_hash: str = "",
    honeypot: str = "",
    proof_of_work_solution: str = "",
    abuse: limits.AbuseLimits | None = None,
    consent_source: str = ConsentSource.SIGN_FORM,
) -> SignResult:
    """Store a signature for ``petition``: counted if it is the person's first, else a duplicate.

    Every way in (the sign form's address, a POST to the petition page, the fast path) comes
    here, and the rules of signing are decided here and nowhere else:

    - closed, not open yet or paused: :class:`ApplicationError` (``extra["paused"]`` when
      paused), checked on the ``petition`` given (which may be a copy a few seconds old) and
      again by the database as the signature is stored;
    - each detail tidied and checked as it will be stored (the form says the same things
      field by field first, with the same functions, but this is the rule);
    - on a petition asking for proof of work, ``proof_of_work_solution`` must solve an
      unspent challenge, else :class:`ApplicationError` with ``extra["proof_of_work"]``;
    - ``honeypot`` is what came in the field people never see: on a petition with the
      honeypot on, anything there keeps the signature as ``suspect``, as does a connection
      (``ip_hash``) over its rate limit; unless the person already signed (then it is a
      duplicate, as ever; if all they signed before is suspect and this one is not, this one
      counts and those become its duplicates);
    - consent to updates is recorded with the wording the form showed, as given through
      ``consent_source`` (the sign form, or the API on a campaign tool's behalf).

    The caller shows the same thank-you page whatever became of the signature, so nobody can
    use the form to find out whether someone has signed, nor tune an attack to the limits.
    ``abuse`` is the site's abuse settings if the caller has read them already.
    """
    abuse = abuse or limits.abuse_limits()
    petition_ensure_accepting(petition, abuse=abuse)

    checked = signer_check(signer=signer)
    name, address, postcode, email = (
        checked.name,
        checked.address,
        checked.postcode,
        checked.email,
    )
    # Last of the checks: a solution is spent once checked, and should not be spent on a
    # form that goes back for a mistake.
    if petition.proof_of_work_required:
        problem = proof_of_work.solution_check(proof_of_work_solution)
        if problem is not None:
            message = PROOF_OF_WORK_MESSAGES.get(problem, SignMessages.PROOF_OF_WORK_FAILED)
            raise ApplicationError(str(message), extra={"proof_of_work": problem})

    now = timezone.now()
    consent = (
        updates_consent_wording(organiser_name=petition.organiser_name)
        if signer.wants_updates
        else None
    )

    # Rate limits are counted in Redis before the transaction, so that it never waits on the
    # network; without Redis the insert counts the connection's recent signatures itself.
    if petition.honeypot_enabled and honeypot.strip():
        suspect_reason = SuspectReason.HONEYPOT
    else:
        suspect_reason = limits.signing_limit_check(
            petition_id=petition.pk, ip_hash=ip_hash, limits=abuse
        )
    rate_limits = (
        limits.database_limit_check(ip_hash=ip_hash, now=now, limits=abuse)
        if suspect_reason is None
        else None
    )
    signature = Signature(
        petition_id=petition.pk,
        name=name,
        name_key=checked.name_key,
        address=address,
        postcode=postcode,
        email=email,
        wants_updates=consent is not None,
        consent_text=consent.text if consent else "",
        consent_version=consent.version if consent else "",
        consented_at=now if consent else None,
        ip_hash=ip_hash,
        created_at=now,
    )
    insert = SignatureInsert(signature)
    for _attempt in range(2):
        with write_turn(), _signing_transaction(consent_too=signature.wants_updates):
            stored = insert.run(
                state=SignatureState.SUSPECT if suspect_reason else SignatureState.COUNTED,
                suspect_reason=suspect_reason or SuspectReason.NONE,
                rate_limits=rate_limits,
            )
            if not stored:
                stored = _duplicate_store(
                    insert,
                    abuse=abuse,
                    now=now,
                    suspect=bool(suspect_reason),
                    rate_limits=rate_limits,
                )
            if stored and signature.wants_updates:
                consent_record_given(signature=signature, source=consent_source)
        if stored:
            # The cached count is left to expire: forgetting it on every signature would
            # recount on every request at the peak, which is what the cache is there to avoid.
            return SignResult(signature=signature)
    # The earlier signature that stood in the way was erased before it could be found, twice.
    raise ApplicationError(str(SignMessages.TRY_AGAIN))


def _signing_transaction(*, consent_too: bool) -> AbstractContextManager:
    """The transaction around storing a signature.

    A signature with no consent to record, first or duplicate, is stored by one statement
    (one message on PostgreSQL), which is a transaction by itself: Django's BEGIN, COMMIT
    and bookkeeping around it would cost a tenth of the signature, and on PostgreSQL two
    more round trips. The rare cases the statement leaves to :func:`_duplicate_store` then
    take a few statements, each its own transaction, of which only the last writes.
    """
    if consent_too or not signature_insert.atomic_by_itself():
        return transaction.atomic()
    return nullcontext()


def _duplicate_store(
    insert: SignatureInsert,
    *,
    abuse: limits.AbuseLimits,
    now: datetime.datetime,
    suspect: bool,
    rate_limits: RateLimitCheck | None,
) -> bool:
    """After the insert stored nothing: say why, or store the signature another way.

    The insert stores first signatures and duplicates alike (so that both take as long to
    answer); what comes here is rare: a closed petition, two signatures of one person sent
    at the same moment, or a person whose every earlier signature is held back as suspect.

    Raises :class:`ApplicationError` if the petition no longer takes signatures. Otherwise
    the person signed before. If every earlier signature of theirs is suspect and this one is
    not known to be, it takes their place (:func:`_suspects_replace`); else it is stored as a
    duplicate of the earliest. ``False`` if no earlier signature can be found (erased a
    moment ago).
    """
    signature = insert.signature
    petition = PetitionPage.objects.live().filter(pk=signature.petition_id).first()
    if petition is None:
        raise ApplicationError(str(SignMessages.CLOSED))
    petition_ensure_accepting(petition, abuse=abuse, now=now)

    def originals_find() -> list[Signature]:
        return _find_originals(petition, signature=signature)

    originals = originals_find()
    if originals and not suspect and all(s.state == SignatureState.SUSPECT for s in originals):
        if _suspects_replace(insert, originals, now=now, rate_limits=rate_limits):
            return True
        originals = originals_find()  # changed meanwhile: as they are now
    if not originals:
        return False
    place = postcode_lookup(postcode=signature.postcode) if signature.postcode else None
    signature.state = SignatureState.DUPLICATE
    signature.suspect_reason = SuspectReason.NONE
    signature.duplicate_of = originals[0]
    signature.ward_code = place.ward_code if place else ""
    signature.constituency_code = place.constituency_code if place else ""
    signature.local_authority_code = place.local_authority_code if place else ""
    signature.save(force_insert=True)
    return True


class _NotReplaced(Exception):
    pass


def _suspects_replace(
    insert: SignatureInsert,
    suspects: list[Signature],
    *,
    now: datetime.datetime,
    rate_limits: RateLimitCheck | None,
) -> bool:
    """Store the signature in place of the person's earlier, suspect ones.

    Someone whose signature was held back (say, from an office connection over its limit)
    signs again from elsewhere: this one is stored as theirs, checked against the limits as
    any signature is, and the suspect ones become its duplicates, kept with the reason they
    were suspect. Had the suspect one stayed in its place, the new one would have been its
    duplicate and the person would not count. ``False``, with nothing changed, if an earlier
    one changed meanwhile (an organiser moderated it) or the insert still finds a conflict.
    """
    ids = [suspect.pk for suspect in suspects]
    try:
        with transaction.atomic():
            demoted = Signature.objects.filter(pk__in=ids, state=SignatureState.SUSPECT).update(
                state=SignatureState.DUPLICATE, state_changed_at=now
            )
            if demoted != len(ids) or not insert.run(rate_limits=rate_limits):
                raise _NotReplaced
            Signature.objects.filter(pk__in=ids).update(duplicate_of=insert.signature)
    except _NotReplaced:
        return False
    return True


@transaction.atomic
def petition_signing_pause(
    petition: PetitionPage, *, paused: bool, message: str | None = None, user=None
) -> PetitionPage:
    """Pause signing on ``petition`` (or resume it), and publish that change at once.

    ``message`` (if given) replaces what signers see instead of the form. A draft waiting to be
    published keeps its edits and gets the same switch, so publishing it later does not undo
    the pause; nothing else of the draft goes live.
    """
    live = PetitionPage.objects.select_for_update().get(pk=petition.pk)
    draft = live.get_latest_revision_as_object() if live.has_unpublished_changes else None
    changed = live.signing_paused != paused or (
        message is not None and live.signing_paused_message != message
    )
    if not changed:
        return live
    for page in (live, draft):
        if page is None:
            continue
        page.signing_paused = paused
        if message is not None:
            page.signing_paused_message = message
    revision = live.save_revision(user=user, log_action=False, clean=False)
    revision.publish(user=user, log_action=True)
    if draft is not None:
        draft.save_revision(user=user, log_action=False, clean=False)
    live.refresh_from_db()
    return live


def _petition_lifecycle_write(
    petition: PetitionPage, *, action: str, user=None, **fields
) -> PetitionPage:
    """Change where ``petition`` is in its life, on the petition itself and at once.

    Not through a revision: the lifecycle belongs to the petition, not to a version of its
    text (see :meth:`PetitionPage.with_content_json`), so a draft waiting to be published
    keeps its edits and cannot undo the change.
    """
    PetitionPage.objects.filter(pk=petition.pk).update(**fields)
    petition.refresh_from_db()
    log(instance=petition, action=action, user=user)
    return petition


@transaction.atomic
def petition_close(*, petition: PetitionPage, user=None) -> PetitionPage:
    """Stop a petition taking signatures, now (or record that its closing date did)."""
    petition = PetitionPage.objects.select_for_update().get(pk=petition.pk)
    if petition.state == PetitionState.HANDED_IN:
        raise ApplicationError(_("This petition has already been handed in."))
    if petition.state == PetitionState.CLOSED:
        return petition
    now = timezone.now()
    closed_at = petition.closes_at if petition.status(now=now) == PetitionState.CLOSED else now
    return _petition_lifecycle_write(
        petition,
        action="undersigned.petition.close",
        user=user,
        state=PetitionState.CLOSED,
        closed_at=closed_at,
    )


@transaction.atomic
def petition_reopen(*, petition: PetitionPage, user=None) -> PetitionPage:
    """Take signatures again on a petition that was closed (not one handed in).

    Refused while its closing date is past: the organiser sets a later one (or none) first.
    """
    petition = PetitionPage.objects.select_for_update().get(pk=petition.pk)
    if petition.state == PetitionState.HANDED_IN:
        raise ApplicationError(_("This petition has already been handed in."))
    if petition.state == PetitionState.OPEN:
        return petition
    if petition.closes_at is not None and petition.closes_at <= timezone.now():
        raise ApplicationError(
            _(
                "Its closing date has passed. Edit the petition to set a later one (or none), "
                "publish it, then reopen it."
            )
        )
    return _petition_lifecycle_write(
        petition,
        action="undersigned.petition.reopen",
        user=user,
        state=PetitionState.OPEN,
        closed_at=None,
        opened_at=petition.opened_at or (timezone.now() if petition.live else None),
    )


@transaction.atomic
def petition_handed_in_record(
    *,
    petition: PetitionPage,
    handed_in_at: datetime.datetime,
    handed_in_to: str,
    user=None,
) -> PetitionPage:
    """Record that ``petition`` was handed in (closing it if open). The hand-in app checks
    the date and recipient first."""
    return _petition_lifecycle_write(
        petition,
        action="undersigned.petition.hand_in",
        user=user,
        state=PetitionState.HANDED_IN,
        handed_in_at=handed_in_at,
        handed_in_to=handed_in_to,
        closed_at=petition.closed_at or min(handed_in_at, timezone.now()),
    )


def petitions_close_due(*, now: datetime.datetime | None = None) -> int:
    """Record as closed every open petition whose closing date has passed; how many.

    They already read as closed (:func:`~undersigned.petitions.models.petition_status`);
    this makes the stored state agree, for what selects petitions by it (retention, lists).
    """
    now = now or timezone.now()
    due = PetitionPage.objects.filter(state=PetitionState.OPEN, closes_at__lte=now)
    closed = 0
    for petition in due.order_by("pk"):
        with transaction.atomic():
            changed = PetitionPage.objects.filter(
                pk=petition.pk, state=PetitionState.OPEN, closes_at__lte=now
            ).update(state=PetitionState.CLOSED, closed_at=F("closes_at"))
            if changed:
                petition.refresh_from_db()
                log(instance=petition, action="undersigned.petition.close_by_date")
                closed += 1
    return closed


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
    selectors.petition_counts_forget(petition=signature.petition)
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


# Privacy: what the supporters app asks of signatures (unsubscribing, retention, erasure)

# What anonymising a signature leaves behind: no one can be identified from what remains,
# while its state and area codes keep the count and the per-ward totals as they were.
ANONYMISED_FIELDS = {
    "name": "",
    "name_key": "",
    "address": "",
    "postcode": "",
    "email": "",
    "ip_hash": "",
    "wants_updates": False,
    "consent_text": "",
    "consent_version": "",
    "consented_at": None,
}


@transaction.atomic
def signatures_updates_withdraw(*, petition: PetitionPage, email: str) -> Signature | None:
    """Stop every signature of ``petition`` made with ``email`` wanting updates.

    ``email`` is already normalised. Returns the latest of them as it was before (its
    consent wording is what the withdrawal is recorded against), or ``None`` if none wanted
    updates.
    """
    signatures = list(
        Signature.objects.select_for_update()
        .filter(petition=petition, email=email, wants_updates=True)
        .order_by("-consented_at", "-pk")
    )
    if not signatures:
        return None
    Signature.objects.filter(pk__in=[signature.pk for signature in signatures]).update(
        wants_updates=False, consented_at=None
    )
    return signatures[0]


@transaction.atomic
def signatures_anonymise(*, petition_id: int, now: datetime.datetime, limit: int) -> int:
    """Anonymise up to ``limit`` of the petition's signatures not yet anonymised, lowest
    key first, in one transaction. Returns how many; 0 once none is left."""
    ids = list(
        Signature.objects.filter(petition_id=petition_id, anonymised_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Signature.objects.filter(pk__in=ids).update(**ANONYMISED_FIELDS, anonymised_at=now)
    return len(ids)


@transaction.atomic
def petition_personal_data_purged_mark(*, petition: PetitionPage, now: datetime.datetime) -> None:
    """Stamp the petition as having had its signers' personal data removed at ``now``."""
    # A queryset update: the timestamp is not content, so no page revision is made for it.
    PetitionPage.objects.filter(pk=petition.pk).update(personal_data_purged_at=now)


@transaction.atomic
def signatures_delete(*, signatures: Sequence[Signature]) -> int:
    """Delete ``signatures`` and the admin's history of them (its labels name the person).

    The counts, breakdowns and maps of their petitions are forgotten once the deletion is
    committed. Returns how many were deleted.
    """
    ids = [signature.pk for signature in signatures]
    petitions = {signature.petition_id: signature.petition for signature in signatures}
    log_entries_forget(model=Signature, pks=ids)
    Signature.objects.filter(pk__in=ids).delete()
    for petition in petitions.values():
        transaction.on_commit(
            lambda petition=petition: selectors.petition_counts_forget(petition=petition)
        )
    return len(ids)
