"""Trending signers and invalidation rules at scale (a measurement, not a test).

    python bench/abuse_rules.py [--signatures 1000000] [--database-url postgres://...]

One petition gets ``--signatures`` counted signatures: 10% signed in the last 48 hours (the
trending window), the rest over the 58 days before. Every 10th one comes from one connection
(IP hash "attack"), so an IP-hash rule matches 10% of the petition. Email domains come from a
pool of 300 with a long tail. A fresh database: SQLite (WAL) in a temporary folder, or a new
PostgreSQL database that is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time

from scratch import bench_petition, scratch

BATCH = 10_000


def _load(petition, count, now):
    from django.db import connection, transaction

    from undersigned.petitions.models import Signature

    columns = [
        "petition_id",
        "name",
        "name_key",
        "address",
        "postcode",
        "email",
        "wants_updates",
        "consent_text",
        "consent_version",
        "ip_hash",
        "state",
        "suspect_reason",
        "created_at",
        "ward_code",
        "constituency_code",
        "local_authority_code",
    ]
    # The table and column names are the model's own, never input.
    sql = (
        f"INSERT INTO {Signature._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    rng = random.Random(7)
    domains = [f"mail{n}.example" for n in range(300)]
    recent = count // 10
    window = datetime.timedelta(hours=48)
    before = datetime.timedelta(days=58)
    date_field = Signature._meta.get_field("created_at")
    rows = []
    for n in range(count):
        if n < recent:
            created = now - window + window * (n / recent)
        else:
            created = now - window - before * ((n - recent) / (count - recent))
        ip = "attack" if n % 10 == 0 else f"{rng.getrandbits(64):016x}"
        domain = domains[min(int(rng.paretovariate(0.8)) - 1, 299)]
        rows.append(
            (
                petition.pk,
                f"Signer {n}",
                f"signer {n}",
                "",
                "EB1 1AB",
                f"s{n}@{domain}",
                False,
                "",
                "",
                ip,
                "counted",
                "",
                date_field.get_db_prep_save(created, connection),
                "",
                "",
                "",
            )
        )
        if len(rows) == BATCH or n == count - 1:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            rows = []


def _time(function, runs):
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def run(args, engine):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from undersigned.abuse import selectors, services
    from undersigned.abuse.models import InvalidationRule, RuleKind
    from undersigned.petitions import selectors as petition_selectors

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    petition = bench_petition()
    now = timezone.now()
    started = time.perf_counter()
    _load(petition, args.signatures, now)
    print(
        f"{engine}: stored {args.signatures:,} signatures in {time.perf_counter() - started:.0f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")

    import contextlib

    @contextlib.contextmanager
    def sql_timer(label):
        timings = []

        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append(((time.perf_counter() - started) * 1000, sql[:90]))

        with connection.execute_wrapper(wrapper):
            yield
        if args.verbose:
            print(f"    {label}:")
            for ms, sql in sorted(timings, reverse=True)[:6]:
                print(f"      {ms:8.1f} ms  {sql}")

    with sql_timer("trending"):
        selectors.trending_signers(petition=petition, until=now + datetime.timedelta(seconds=1))
    median, worst, rows = _time(
        lambda: selectors.trending_signers(
            petition=petition, until=now + datetime.timedelta(seconds=1)
        ),
        args.runs,
    )
    kinds = {(row.kind) for row in rows}
    print(
        f"  trending_signers, last 48 h ({args.signatures // 10:,} rows): median {median:.0f} ms, "
        f"max {worst:.0f} ms; {len(rows)} rows flagged ({', '.join(sorted(kinds))})"
    )
    rule = InvalidationRule.objects.create(
        petition=petition, kind=RuleKind.IP_HASH, ip_hash="attack"
    )
    median, worst, preview = _time(lambda: selectors.rule_preview(rule), args.runs)
    print(
        f"  rule_preview (IP hash): median {median:.0f} ms, max {worst:.0f} ms; "
        f"{preview.count:,} match"
    )
    pattern = InvalidationRule.objects.create(
        petition=petition, kind=RuleKind.NAME_PATTERN, name_pattern="signer 1*"
    )
    median, worst, p2 = _time(lambda: selectors.rule_preview(pattern), args.runs)
    print(
        f"  rule_preview (name pattern 'signer 1*'): median {median:.0f} ms, "
        f"max {worst:.0f} ms; {p2.count:,} match"
    )
    started = time.perf_counter()
    with sql_timer("apply"):
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            applied = profiler.runcall(services.rule_apply, rule=rule)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        else:
            applied = services.rule_apply(rule=rule)
    print(
        f"  rule_apply: {time.perf_counter() - started:.1f} s "
        f"for {applied.signatures_affected:,} signatures"
    )
    print(f"  counted now: {petition_selectors.signature_count(petition=petition):,}")
    started = time.perf_counter()
    with sql_timer("restore"):
        result = services.rule_restore(rule=applied)
    print(
        f"  rule_restore: {time.perf_counter() - started:.1f} s for {result.restored:,} signatures"
    )
    print(f"  counted now: {petition_selectors.signature_count(petition=petition):,}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with scratch(label="abuse", database_url=args.database_url) as space:
        run(args, space.engine)


if __name__ == "__main__":
    main()
