"""Retention: signers anonymised and old messages deleted once the period has passed."""

from __future__ import annotations

import datetime
import io
import signal

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, Site

from tests.factories import (
    EnquiryFactory,
    PetitionPageFactory,
    SignatureFactory,
    SupporterFactory,
)
from undersigned.contact.models import Enquiry, EnquiryStatus
from undersigned.petitions import selectors
from undersigned.petitions.models import PetitionPage, PetitionState, Signature, SignatureState
from undersigned.petitions.services import ANONYMISED_FIELDS
from undersigned.site.models import SiteSettings
from undersigned.supporters import retention
from undersigned.supporters.models import ErasureKind, ErasureRecord, Supporter, SupporterStatus
from undersigned.supporters.retention_tasks import (
    signatures_anonymise_expired_schedule,
    signatures_anonymise_expired_task,
)

NOW = datetime.datetime(2027, 6, 15, 12, 0, tzinfo=datetime.UTC)


def _finish(petition: PetitionPage, *, handed_in_at=None, closed_at=None) -> PetitionPage:
    """Mark ``petition`` closed (and handed in) at the given times, as the hand-in would."""
    state = PetitionState.HANDED_IN if handed_in_at else PetitionState.CLOSED
    PetitionPage.objects.filter(pk=petition.pk).update(
        state=state, closed_at=closed_at or handed_in_at, handed_in_at=handed_in_at
    )
    petition.refresh_from_db()
    return petition


def _ward_totals(petition: PetitionPage) -> list[tuple[str, int]]:
    return list(
        Signature.objects.filter(petition=petition, state=SignatureState.COUNTED)
        .values("ward_code")
        .annotate(total=Count("pk"))
        .order_by("ward_code")
        .values_list("ward_code", "total")
    )


@pytest.fixture
def signed_petition(petition):
    """A petition with signers in two wards, a duplicate, an address-only signer and consent."""
    for ward, postcode in [("E05000001", "EB1 1AA"), ("E05000001", "EB1 1AB")]:
        SignatureFactory(petition=petition, ward_code=ward, postcode=postcode)
    SignatureFactory(petition=petition, ward_code="E05000002", postcode="EB2 2DE")
    original = SignatureFactory(
        petition=petition,
        name="Ada Lovelace",
        ward_code="E05000002",
        postcode="CR0 1NY",
        email="ada@example.org",
        wants_updates=True,
        consent_text="Keep me up to date",
        consent_version="updates-2026-11",
        consented_at=NOW - datetime.timedelta(days=400),
        ip_hash="0123456789abcdef",
    )
    SignatureFactory(
        petition=petition,
        name="Ada Lovelace",
        postcode="CR0 1NY",
        ward_code="E05000002",
        email="ada@example.org",
        state=SignatureState.DUPLICATE,
        duplicate_of=original,
    )
    SignatureFactory(petition=petition, postcode="", address="1 Station Road, Northfield", email="")
    return petition


def test_signers_are_anonymised_once_the_period_after_hand_in_has_passed(signed_petition):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=200))

    anonymised = retention.signatures_anonymise_expired(now=NOW)

    assert anonymised == 6
    for signature in Signature.objects.filter(petition=signed_petition):
        assert signature.anonymised_at == NOW
        assert (signature.name, signature.name_key, signature.address) == ("", "", "")
        assert (signature.postcode, signature.email, signature.ip_hash) == ("", "", "")
        assert (signature.consent_text, signature.wants_updates) == ("", False)
        assert signature.consented_at is None
    signed_petition.refresh_from_db()
    assert signed_petition.personal_data_purged_at == NOW


def test_nothing_is_anonymised_before_the_period_has_passed(signed_petition):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=150))

    assert retention.signatures_anonymise_expired(now=NOW) == 0

    assert not Signature.objects.filter(anonymised_at__isnull=False).exists()
    assert Signature.objects.get(email="ada@example.org", state="counted").name == "Ada Lovelace"
    signed_petition.refresh_from_db()
    assert signed_petition.personal_data_purged_at is None
    assert not ErasureRecord.objects.exists()


def test_hand_in_date_counts_rather_than_the_earlier_closing_date(signed_petition):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=30))
    PetitionPage.objects.filter(pk=signed_petition.pk).update(
        closed_at=NOW - datetime.timedelta(days=400)
    )

    assert retention.signatures_anonymise_expired(now=NOW) == 0


def test_a_petition_closed_but_never_handed_in_counts_from_its_closing_date(signed_petition):
    _finish(signed_petition, closed_at=NOW - datetime.timedelta(days=200))

    assert retention.signatures_anonymise_expired(now=NOW) == 6


def test_open_petitions_are_never_anonymised(signed_petition):
    PetitionPage.objects.filter(pk=signed_petition.pk).update(
        closed_at=NOW - datetime.timedelta(days=400)
    )

    assert retention.signatures_anonymise_expired(now=NOW) == 0


def test_counts_and_per_ward_totals_stay_exactly_the_same(signed_petition):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=200))
    count_before = selectors.signature_count(petition=signed_petition)
    wards_before = _ward_totals(signed_petition)
    states_before = sorted(Signature.objects.values_list("state", flat=True))

    retention.signatures_anonymise_expired(now=NOW)

    assert selectors.signature_count(petition=signed_petition) == count_before == 5
    assert _ward_totals(signed_petition) == wards_before
    assert wards_before == [("", 1), ("E05000001", 2), ("E05000002", 2)]
    assert sorted(Signature.objects.values_list("state", flat=True)) == states_before


def test_anonymising_writes_one_erasure_record_for_the_petition(signed_petition):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=200))

    retention.signatures_anonymise_expired(now=NOW)

    record = ErasureRecord.objects.get()
    assert record.kind == ErasureKind.RETENTION
    assert record.petition_id == signed_petition.pk
    assert record.signatures_affected == 6
    assert record.performed_by is None
    assert "ada" not in record.note.lower()


def test_running_again_changes_nothing_and_records_nothing_more(signed_petition):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=200))
    retention.signatures_anonymise_expired(now=NOW)

    later = NOW + datetime.timedelta(days=1)
    assert retention.signatures_anonymise_expired(now=later) == 0
    # Even if the petition's purge stamp is lost (say, an old page revision is published).
    PetitionPage.objects.filter(pk=signed_petition.pk).update(personal_data_purged_at=None)
    assert retention.signatures_anonymise_expired(now=later) == 0

    assert ErasureRecord.objects.count() == 1
    assert set(Signature.objects.values_list("anonymised_at", flat=True)) == {NOW}


def test_a_run_stopped_half_way_is_finished_by_the_next(signed_petition, monkeypatch):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=200))
    Signature.objects.filter(pk__in=Signature.objects.order_by("pk").values("pk")[:2]).update(
        **ANONYMISED_FIELDS, anonymised_at=NOW
    )
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)

    assert retention.signatures_anonymise_expired(now=NOW) == 4

    assert not Signature.objects.filter(anonymised_at__isnull=True).exists()
    assert ErasureRecord.objects.get().signatures_affected == 6


def test_the_period_comes_from_the_site_settings(signed_petition):
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.retention_months = 12
    site_settings.save()
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=200))

    assert retention.signatures_anonymise_expired(now=NOW) == 0
    assert retention.signatures_anonymise_expired(now=NOW + datetime.timedelta(days=200)) == 6


def test_other_petitions_keep_their_signers(signed_petition):
    _finish(signed_petition, handed_in_at=NOW - datetime.timedelta(days=200))
    other = SignatureFactory(petition=PetitionPageFactory(), name="Grace Hopper")

    retention.signatures_anonymise_expired(now=NOW)

    other.refresh_from_db()
    assert other.name == "Grace Hopper"
    assert other.anonymised_at is None


def test_months_are_calendar_months_ending_on_a_real_day():
    may_31 = datetime.datetime(2027, 5, 31, 9, 30, tzinfo=datetime.UTC)
    assert retention.months_before(may_31, 3) == datetime.datetime(
        2027, 2, 28, 9, 30, tzinfo=datetime.UTC
    )
    assert retention.months_before(may_31, 6).date() == datetime.date(2026, 11, 30)
    assert retention.months_before(may_31, 17).date() == datetime.date(2025, 12, 31)


def _enquiry(*, status: str, last_changed: datetime.datetime) -> Enquiry:
    enquiry = EnquiryFactory(status=status)
    Enquiry.objects.filter(pk=enquiry.pk).update(updated_at=last_changed)
    return enquiry


def test_answered_and_closed_messages_are_deleted_after_the_period(home):
    long_ago = NOW - datetime.timedelta(days=200)
    answered = _enquiry(status=EnquiryStatus.ANSWERED, last_changed=long_ago)
    closed = _enquiry(status=EnquiryStatus.CLOSED, last_changed=long_ago)
    still_open = _enquiry(status=EnquiryStatus.IN_PROGRESS, last_changed=long_ago)
    recent = _enquiry(status=EnquiryStatus.ANSWERED, last_changed=NOW)

    assert retention.enquiries_delete_expired(now=NOW) == 2

    remaining = set(Enquiry.objects.values_list("pk", flat=True))
    assert remaining == {still_open.pk, recent.pk}
    assert answered.pk not in remaining and closed.pk not in remaining
    record = ErasureRecord.objects.get()
    assert (record.kind, record.petition, record.signatures_affected) == ("retention", None, 0)
    assert record.note == "2 messages from the contact form deleted"


def test_deleting_a_message_also_deletes_its_admin_history_which_names_the_sender(home):
    enquiry = _enquiry(status=EnquiryStatus.CLOSED, last_changed=NOW - datetime.timedelta(days=200))
    log(instance=enquiry, action="wagtail.edit")
    assert ModelLogEntry.objects.filter(label__contains=enquiry.name).exists()

    retention.enquiries_delete_expired(now=NOW)

    assert not ModelLogEntry.objects.filter(label__contains=enquiry.name).exists()


def test_the_command_runs_the_whole_retention_and_says_what_it_did(signed_petition):
    _finish(signed_petition, handed_in_at=timezone.now() - datetime.timedelta(days=365))
    _enquiry(status=EnquiryStatus.ANSWERED, last_changed=timezone.now() - datetime.timedelta(365))

    out = io.StringIO()
    call_command("purge_expired_personal_data", stdout=out)

    assert "6 signatures anonymised, 1 contact-form messages deleted" in out.getvalue()
    assert not Signature.objects.filter(anonymised_at__isnull=True).exists()
    assert not Enquiry.objects.exists()


def test_the_task_returns_what_it_did(signed_petition):
    _finish(signed_petition, handed_in_at=timezone.now() - datetime.timedelta(days=365))

    result = signatures_anonymise_expired_task.enqueue()

    assert result.return_value == {
        "signatures_anonymised": 6,
        "enquiries_deleted": 0,
        "supporters_deleted": 0,
    }


def test_scheduling_does_nothing_where_tasks_cannot_wait(db):
    assert signatures_anonymise_expired_schedule() is False


def _run_worker_once() -> None:
    """Run the database worker until the queue is empty, as ``undersigned serve`` does.

    The worker takes over SIGINT, SIGTERM and SIGQUIT and leaves them so: put pytest's back.
    """
    caught = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {signum: signal.getsignal(signum) for signum in caught}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


# The worker closes its database connection, so this test cannot run inside a transaction;
# serialized_rollback puts the migrated rows back for the transactional tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_scheduled_run_queues_the_next_one_a_day_later_and_only_once(signed_petition):
    _finish(signed_petition, handed_in_at=timezone.now() - datetime.timedelta(days=365))
    task_path = signatures_anonymise_expired_task.module_path

    call_command("purge_expired_personal_data", "--schedule", stdout=io.StringIO())
    assert signatures_anonymise_expired_schedule() is False  # one waiting run is enough
    _run_worker_once()

    done = DBTaskResult.objects.get(task_path=task_path, status=TaskResultStatus.SUCCESSFUL)
    assert done.return_value == {
        "signatures_anonymised": 6,
        "enquiries_deleted": 0,
        "supporters_deleted": 0,
    }
    waiting = DBTaskResult.objects.get(task_path=task_path, status=TaskResultStatus.READY)
    assert waiting.run_after - done.finished_at == pytest.approx(
        datetime.timedelta(days=1), abs=datetime.timedelta(minutes=1)
    )
    assert waiting.args_kwargs["kwargs"] == {"reschedule": True}


# The supporter list


@pytest.mark.django_db
def test_people_who_lapsed_or_unsubscribed_are_deleted_after_the_grace_period():
    long_ago = NOW - retention.SUPPORTER_KEPT_AFTER_LEAVING - datetime.timedelta(minutes=1)
    recently = NOW - datetime.timedelta(days=2)
    gone = [
        SupporterFactory(status=status, confirmed_at=None, status_changed_at=long_ago)
        for status in (SupporterStatus.LAPSED, SupporterStatus.UNSUBSCRIBED)
    ]
    kept = [
        SupporterFactory(
            status=SupporterStatus.LAPSED, confirmed_at=None, status_changed_at=recently
        ),
        SupporterFactory(status_changed_at=long_ago),  # confirmed long ago: still on the list
        SupporterFactory(
            status=SupporterStatus.UNCONFIRMED, confirmed_at=None, status_changed_at=long_ago
        ),
    ]

    result = retention.personal_data_purge_expired(now=NOW)

    assert result.supporters_deleted == 2
    assert set(Supporter.objects.values_list("pk", flat=True)) == {s.pk for s in kept}
    assert not Supporter.objects.filter(pk__in=[s.pk for s in gone]).exists()
    record = ErasureRecord.objects.get(kind=ErasureKind.RETENTION)
    assert record.note == "2 people who lapsed or unsubscribed taken off the supporter list"
