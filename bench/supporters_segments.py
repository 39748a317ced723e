"""Updates to a ward and the supporter list at scale (a measurement, not a test).

    python bench/supporters_segments.py [--supporters 200000] [--wards 300] [--runs 5]
                                        [--database-url postgres://...] [--explain]
                                        [--verbose]

``--supporters`` people are put on the supporter list (bulk_create), spread over ``--wards``
wards in 10 constituencies and 3 councils; nine in ten are confirmed, the rest waiting,
lapsed or unsubscribed. Then it times, as an organiser would meet them:

- the recipient count (``selectors.update_recipient_count``, what the confirm step shows) of
  an update to one ward, to one constituency narrowed to a petition's signers, to a
  petition's signers (one in four supporters signed it) and to everyone;
- the admin's supporter list through the real view (Django's test client, logged in as a
  member of the Organisers group, not a superuser): the first page, a deep page, the first
  page filtered by ward, and a search.

A fresh database each run: SQLite (WAL) in a temporary folder, or a new PostgreSQL database
(made from ``--database-url``) that is dropped at the end. ``--explain`` prints the query
plan of the ward count; ``--verbose`` the slowest queries of each admin page.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time

from scratch import bench_petition, scratch

BATCH = 5_000


def _areas(wards):
    # After django.setup(): models need the app registry.
    from undersigned.places.models import Constituency, LocalAuthority, Ward

    councils = LocalAuthority.objects.bulk_create(
        LocalAuthority(code=f"E09{n:06d}", name=f"Bench Borough {n}") for n in range(3)
    )
    constituencies = Constituency.objects.bulk_create(
        Constituency(code=f"E14{n:06d}", name=f"Bench Constituency {n}") for n in range(10)
    )
    ward_rows = Ward.objects.bulk_create(
        Ward(code=f"E05{n:06d}", name=f"Bench Ward {n}", local_authority=councils[n % 3])
        for n in range(wards)
    )
    return councils, constituencies, ward_rows


def _load(count, *, councils, constituencies, wards, petition):
    # After django.setup(): models need the app registry.
    from django.db import transaction
    from django.utils import timezone

    from undersigned.petitions.models import Signature
    from undersigned.supporters.models import Supporter

    rng = random.Random(13)
    now = timezone.now()
    other = ["unconfirmed", "lapsed", "unsubscribed"]
    supporters, signatures = [], []
    for n in range(count):
        ward = wards[n % len(wards)]
        status = "confirmed" if n % 10 else other[n // 10 % 3]
        email = f"person{n}@mail{n % 300}.example"
        supporters.append(
            Supporter(
                email=email,
                name=f"Person {n}",
                postcode=f"EB{n % 99 + 1} {n % 10}AB",
                ward_code=ward.code,
                constituency_code=constituencies[n % len(constituencies)].code,
                local_authority_code=ward.local_authority_id,
                status=status,
                source_petition=petition if n % 4 == 0 else None,
                signed_up_at=now - datetime.timedelta(minutes=rng.randrange(0, 525_600)),
                confirmed_at=now if status == "confirmed" else None,
            )
        )
        if n % 4 == 0:
            signatures.append(
                Signature(
                    petition=petition,
                    name=f"Person {n}",
                    name_key=f"person {n}",
                    postcode="EB1 1AB",
                    email=email,
                    wants_updates=True,
                    consent_text="Keep me up to date.",
                    consent_version="bench",
                    consented_at=now,
                    state="counted",
                )
            )
        if len(supporters) == BATCH or n == count - 1:
            with transaction.atomic():
                Supporter.objects.bulk_create(supporters)
                Signature.objects.bulk_create(signatures)
            supporters, signatures = [], []


def _time(function, runs):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def _explain(queryset):
    # After django.setup(): the connection needs the settings.
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return [" ".join(str(cell) for cell in row) for row in cursor.fetchall()]


def _slowest_queries(function, shown=4):
    # After django.setup(): the connection needs the settings.
    from django.db import connection

    timings = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql[:110]))

    with connection.execute_wrapper(timed):
        function()
    return sorted(timings, reverse=True)[:shown]


def run(args, engine):
    import django

    django.setup()
    # After django.setup(): everything below needs the app registry.
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from undersigned.site.organisers import organisers_group_ensure
    from undersigned.supporters import selectors, services
    from undersigned.supporters.models import UpdateAudience

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    petition = bench_petition(title="Bench petition", slug="bench")
    councils, constituencies, wards = _areas(args.wards)
    started = time.perf_counter()
    _load(
        args.supporters,
        councils=councils,
        constituencies=constituencies,
        wards=wards,
        petition=petition,
    )
    print(
        f"{engine}: {args.supporters:,} supporters in {args.wards} wards stored in "
        f"{time.perf_counter() - started:.0f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")

    to_ward = services.petition_update_create(
        petition=petition,
        subject="Ward meeting",
        body="Thursday.",
        audience=services.Audience.of(UpdateAudience.AREAS, wards=[wards[7]]),
    )

    def recipient_count_report(label: str, update, *, explain: bool) -> None:
        median, worst, count = _time(
            lambda: selectors.update_recipient_count(update=update), args.runs
        )
        print(
            f"  recipient count, {label}: median {median:.1f} ms, max {worst:.1f} ms "
            f"({count:,} people)"
        )
        if explain:
            for line in _explain(selectors.update_recipients(update=update).order_by()):
                print(f"    plan: {line}")

    recipient_count_report("one ward", to_ward, explain=args.explain)
    narrowed = services.petition_update_create(
        petition=petition,
        subject="Constituency news",
        body="Hello.",
        audience=services.Audience.of(
            UpdateAudience.AREAS, constituencies=[constituencies[2]], signed_petition=petition
        ),
    )
    recipient_count_report(
        "one constituency who also signed a petition", narrowed, explain=args.explain
    )
    signers = services.petition_update_create(
        petition=petition, subject="Petition news", body="Hello."
    )
    recipient_count_report("a petition's signers", signers, explain=False)
    everyone = services.petition_update_create(
        petition=petition,
        subject="Newsletter",
        body="Hello.",
        audience=services.Audience.of(UpdateAudience.EVERYONE),
    )
    recipient_count_report("everyone", everyone, explain=False)

    organiser = get_user_model().objects.create_user("bench-organiser", "o@example.org")
    organiser.groups.add(organisers_group_ensure())
    client = Client(HTTP_HOST="localhost")
    client.force_login(organiser)
    index = reverse("supporters_supporter:index")
    deep = max(1, args.supporters // 50 // 2)
    pages = [
        ("first page", {}),
        (f"page {deep:,}", {"p": deep}),
        ("first page, one ward", {"ward_code": wards[7].code}),
        ("page 10, one ward", {"ward_code": wards[7].code, "p": 10}),
        ("search 'person 1234'", {"q": "person 1234"}),
    ]
    for label, query in pages:

        def get(query=query):
            response = client.get(index, query)
            assert response.status_code == 200, response.status_code
            return response

        median, worst, _ = _time(get, args.runs)
        print(f"  admin list, {label}: median {median:.0f} ms, max {worst:.0f} ms")
        if args.verbose:
            for ms, sql in _slowest_queries(get):
                print(f"      {ms:8.1f} ms  {sql}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--supporters", type=int, default=200_000)
    parser.add_argument("--wards", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="the slowest SQL of each admin page")
    args = parser.parse_args()
    with scratch(label="supporters", database_url=args.database_url) as space:
        run(args, space.engine)


if __name__ == "__main__":
    main()
