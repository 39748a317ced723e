"""Scheduled publishing and closing by date, run by the background worker by itself."""

from __future__ import annotations

import datetime
import signal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.factories import PetitionPageFactory
from undersigned.petitions.models import PetitionPage, PetitionState
from undersigned.petitions.tasks import (
    RUN_EVERY,
    petitions_publish_scheduled_schedule,
    petitions_publish_scheduled_task,
)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker_until_idle() -> None:
    """Start the database worker as ``undersigned serve`` does, and stop it once nothing is due.

    The worker takes over SIGINT, SIGTERM and SIGQUIT and leaves them so: put pytest's back.
    """
    caught = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {signum: signal.getsignal(signum) for signum in caught}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def scheduled_petition(*, go_live_in: datetime.timedelta) -> PetitionPage:
    """A petition written as a draft, then published with "go live at" set: scheduled."""
    petition = PetitionPageFactory(live=False, slug="scheduled")
    petition.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    petition.save_revision().publish()
    petition.refresh_from_db()
    assert not petition.live
    # The time comes (a schedule is only accepted in the future, so it is moved back here).
    revision = petition.get_latest_revision()
    revision.approved_go_live_at = timezone.now() + go_live_in
    revision.content["go_live_at"] = revision.approved_go_live_at.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    return petition


# The worker closes its database connection, so these tests cannot run inside a transaction;
# serialized_rollback puts the migrated rows back for the transactional tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_scheduled_petition_goes_live_open_when_the_worker_runs_with_nothing_else_set_up(
    home, client
):
    petition = scheduled_petition(go_live_in=-datetime.timedelta(seconds=1))
    assert client.get(petition.url).status_code == 404

    run_worker_until_idle()  # a worker just started: nobody queued anything

    petition.refresh_from_db()
    assert petition.live
    assert petition.status() == PetitionState.OPEN
    assert petition.opened_at is not None
    assert client.get(petition.url).status_code == 200
    task_path = petitions_publish_scheduled_task.module_path
    done = DBTaskResult.objects.get(task_path=task_path, status=TaskResultStatus.SUCCESSFUL)
    waiting = DBTaskResult.objects.get(task_path=task_path, status=TaskResultStatus.READY)
    assert waiting.run_after - done.finished_at == pytest.approx(
        RUN_EVERY, abs=datetime.timedelta(seconds=5)
    )
    assert waiting.run_after - done.finished_at <= datetime.timedelta(minutes=1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_petition_scheduled_for_later_stays_unpublished_and_the_run_repeats(home):
    petition = scheduled_petition(go_live_in=datetime.timedelta(minutes=10))

    run_worker_until_idle()

    petition.refresh_from_db()
    assert not petition.live
    assert DBTaskResult.objects.filter(
        task_path=petitions_publish_scheduled_task.module_path, status=TaskResultStatus.READY
    ).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_workers_starting_again_leave_one_run_waiting(home):
    task_path = petitions_publish_scheduled_task.module_path

    run_worker_until_idle()
    run_worker_until_idle()
    assert petitions_publish_scheduled_schedule() is False

    assert (
        DBTaskResult.objects.filter(task_path=task_path, status=TaskResultStatus.READY).count() == 1
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_records_a_petition_past_its_closing_date_as_closed(home):
    petition = PetitionPageFactory(closes_at=timezone.now() + datetime.timedelta(days=1))
    PetitionPage.objects.filter(pk=petition.pk).update(
        opened_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    run_worker_until_idle()

    petition.refresh_from_db()
    assert petition.state == PetitionState.CLOSED
    assert petition.closed_at == petition.closes_at


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_an_expired_petition_is_unpublished_by_the_worker(home):
    petition = PetitionPageFactory()
    PetitionPage.objects.filter(pk=petition.pk).update(
        expire_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    run_worker_until_idle()

    petition.refresh_from_db()
    assert not petition.live
    assert petition.expired


def test_the_task_publishes_what_is_due_on_the_immediate_backend_too(home):
    petition = scheduled_petition(go_live_in=-datetime.timedelta(seconds=1))

    result = petitions_publish_scheduled_task.enqueue()

    assert result.return_value == {"petitions_closed": 0}
    petition.refresh_from_db()
    assert petition.live


def test_scheduling_does_nothing_where_tasks_cannot_wait(db):
    assert petitions_publish_scheduled_schedule() is False
