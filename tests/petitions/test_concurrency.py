"""Signing from many threads at once: every signature is stored once and the count converges."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from undersigned.abuse.models import AbuseSettings
from undersigned.petitions import selectors, services
from undersigned.petitions.models import PetitionPage, Signature, SignatureState

# Runs on both databases. On PostgreSQL the writers really overlap (and a same-email race
# hits the partial unique constraints); on SQLite the IMMEDIATE transactions make them
# queue on the write lock (busy timeout) instead, which must lose nothing either.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIGNERS = 200
WORKERS = 32
GATE_TIMEOUT = 30


def run_together(tasks: list[Callable[[], object]], *, workers: int) -> list[object]:
    """Run ``tasks`` on a pool of ``workers`` threads, the first ``workers`` released together.

    Each thread opens its database connection before the start and closes it after its
    task, so that the race is between the writes and no connection is left open.
    """
    arrived = threading.Semaphore(0)
    start = threading.Event()

    def run(task: Callable[[], object]) -> object:
        try:
            connection.ensure_connection()
            arrived.release()
            if not start.wait(GATE_TIMEOUT):
                raise TimeoutError("the other threads never got ready")
            return task()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, task) for task in tasks]
        for _ in range(min(workers, len(tasks))):
            assert arrived.acquire(timeout=GATE_TIMEOUT), "a worker thread never started"
        start.set()
        # .result() re-raises an exception from the thread, so a failed sign fails the test.
        return [future.result(timeout=120) for future in futures]


def signing(petition: PetitionPage, signer: services.SignerDetails) -> Callable[[], object]:
    # One connection each: from one, all but the first few dozen would be over the rate limit.
    return lambda: services.sign(petition=petition, signer=signer, ip_hash=f"ip-{signer.name}")


def counted_rows(petition: PetitionPage) -> int:
    return Signature.objects.filter(petition=petition, state=SignatureState.COUNTED).count()


def test_200_concurrent_signs_store_exactly_200_rows_and_the_count_converges_to_200(
    petition, settings
):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 2
    assert selectors.signature_count(petition=petition) == 0  # now cached for 2 s
    signers = [
        services.SignerDetails(
            name=f"Concurrent Signer {n}", postcode="CR0 1NY", email=f"signer{n}@example.org"
        )
        for n in range(SIGNERS)
    ]

    results = run_together([signing(petition, signer) for signer in signers], workers=WORKERS)

    assert all(result.counted for result in results)
    assert len({result.signature.pk for result in results}) == SIGNERS
    assert Signature.objects.filter(petition=petition).count() == SIGNERS
    assert counted_rows(petition) == SIGNERS
    assert set(Signature.objects.filter(petition=petition).values_list("email", flat=True)) == {
        signer.email for signer in signers
    }
    # The shown count may lag by the cache time, never more, and then it is exact.
    deadline = time.monotonic() + settings.UNDERSIGNED_COUNT_CACHE_SECONDS + 3
    shown = selectors.signature_count(petition=petition)
    while shown != SIGNERS and time.monotonic() < deadline:
        assert shown <= SIGNERS
        time.sleep(0.2)
        shown = selectors.signature_count(petition=petition)
    assert shown == SIGNERS


def test_a_forgotten_count_is_exact_at_once_after_concurrent_signs(petition, settings):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    assert selectors.signature_count(petition=petition) == 0
    signers = [
        services.SignerDetails(name=f"Forgetful Signer {n}", postcode="CR0 1NY") for n in range(50)
    ]
    run_together([signing(petition, signer) for signer in signers], workers=25)

    assert selectors.signature_count(petition=petition) == 0  # the cached copy, 60 s long
    selectors.signature_count_forget(petition=petition)
    assert selectors.signature_count(petition=petition) == 50


def test_20_threads_signing_with_the_same_email_at_once_store_one_counted_row_and_19_duplicates(
    petition,
):
    """The database decides who was first: every later insert is refused by the partial unique
    constraint (there is no read before the write for two racers to both get past), and stored
    as a duplicate of the one that got in."""
    email = "Same.Person@Example.org"
    signers = [
        services.SignerDetails(name=f"Same Person {n}", postcode="CR0 1NY", email=email)
        for n in range(20)
    ]

    results = run_together([signing(petition, signer) for signer in signers], workers=20)

    rows = Signature.objects.filter(petition=petition, email=email.lower())
    assert rows.count() == 20
    original = rows.get(state=SignatureState.COUNTED)
    assert rows.filter(state=SignatureState.DUPLICATE, duplicate_of=original).count() == 19
    assert sum(result.counted for result in results) == 1
    assert selectors.signature_count(petition=petition) == 1


@pytest.fixture(params=["client", "server"])
def binding(request):
    """On PostgreSQL, once with parameters bound on the client (Django's default: the lock and
    the insert go in one message) and once on the server (two statements in a transaction)."""
    if request.param == "server" and connection.vendor != "postgresql":
        pytest.skip("binding on the server is a PostgreSQL setting")
    options = connection.settings_dict["OPTIONS"]
    before = dict(options)
    if request.param == "server":
        # The threads' connections are made from this same settings dict.
        options["server_side_binding"] = True
    yield request.param
    options.clear()
    options.update(before)


def test_24_threads_from_one_connection_at_once_get_exactly_the_limit_counted(
    petition, settings, binding
):
    """All at once, none can read the connection's count before the one ahead of it commits
    (SQLite's one writer; a lock per connection on PostgreSQL): exactly the limit is counted."""
    settings.REDIS_URL = ""
    limits = AbuseSettings.load()
    limits.per_petition_limit, limits.overall_limit, limits.window_minutes = 5, 100, 60
    limits.save()
    signers = [
        services.SignerDetails(name=f"Busy Connection {n}", postcode="CR0 1NY") for n in range(24)
    ]

    def from_one_connection(signer: services.SignerDetails) -> Callable[[], object]:
        return lambda: services.sign(petition=petition, signer=signer, ip_hash="one-connection")

    results = run_together([from_one_connection(signer) for signer in signers], workers=24)

    assert sum(result.counted for result in results) == 5
    rows = Signature.objects.filter(petition=petition)
    assert rows.filter(state=SignatureState.COUNTED).count() == 5
    assert rows.filter(state=SignatureState.SUSPECT).count() == 19
