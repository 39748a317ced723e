"""Support breakdown speed: signatures by ward and constituency, and the map, at 1M signatures.

    python bench/breakdown.py                        # 1,000,000 signatures in a fresh SQLite
    python bench/breakdown.py --signatures 200000 --runs 11
    python bench/breakdown.py --database-url postgres://postgres@127.0.0.1:5432/postgres

One petition gets the signatures, spread unevenly over 30 wards in 5 constituencies of its
target council (plus a share from elsewhere, some whose postcode was not found and some given
without a postcode), and 3% duplicates and 1% invalidated rows that must not count. The
database is made fresh and migrated: SQLite in WAL mode in a temporary folder, or a new
PostgreSQL database on the server given by ``--database-url`` (dropped at the end). Each timed
run starts with an empty cache, so it measures the GROUP BY itself, as the first page view
after the cache expires does.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from scratch import bench_petition, scratch

AUTHORITY = ("E09000099", "Example Borough")
ELSEWHERE = "E09000098"
CONSTITUENCIES = [(f"E1409999{n}", f"Example Borough {n}") for n in range(1, 6)]
WARDS = [(f"E050999{n:02d}", f"Ward {n}", CONSTITUENCIES[n % 5][0]) for n in range(1, 31)]
BATCH = 10_000


def _setup_places() -> None:
    from undersigned.places.boundaries import BoundaryData, ward_boundaries_upsert
    from undersigned.places.models import Constituency, LocalAuthority, Ward

    authority = LocalAuthority.objects.create(code=AUTHORITY[0], name=AUTHORITY[1])
    Constituency.objects.bulk_create([Constituency(code=c, name=n) for c, n in CONSTITUENCIES])
    Ward.objects.bulk_create(
        [Ward(code=code, name=name, local_authority=authority) for code, name, _c in WARDS]
    )
    boundaries = []
    for n, (code, name, _c) in enumerate(WARDS):
        west, south = -0.15 + (n % 6) * 0.012, 51.34 + (n // 6) * 0.009
        ring = [
            [west, south],
            [west, south + 0.009],
            [west + 0.012, south + 0.009],
            [west + 0.012, south],
            [west, south],
        ]
        boundaries.append(
            BoundaryData(code, name, {"type": "Polygon", "coordinates": [ring]}, AUTHORITY[0])
        )
    ward_boundaries_upsert(boundaries=boundaries)


def _place(rng: random.Random) -> tuple[str, str, str, str]:
    """(postcode, ward, constituency, council) for one signer, unevenly spread."""
    roll = rng.random()
    if roll < 0.03:
        return "", "", "", ""
    if roll < 0.04:
        return "ZZ9 9ZZ", "", "", ""
    if roll < 0.14:
        return "CR0 1NY", f"E0500{rng.randrange(1000):04d}", "E14000001", ELSEWHERE
    # A few wards carry most of the support, as they do around a local issue.
    ward, _name, constituency = WARDS[min(int(rng.paretovariate(1.2)) - 1, len(WARDS) - 1)]
    return "EB1 1AB", ward, constituency, AUTHORITY[0]


def _load_signatures(petition, count: int) -> int:
    """Insert ``count`` counted signatures (and 4% more that do not count) in raw batches."""
    from django.db import connection, transaction
    from django.utils import timezone

    from undersigned.petitions.models import Signature, SignatureState

    fields = [field for field in Signature._meta.concrete_fields if not field.primary_key]
    varying = ["name", "name_key", "address", "postcode", "state"]
    varying += ["ward_code", "constituency_code", "local_authority_code"]
    fixed = {"petition": petition.pk, "created_at": timezone.now()}
    template = {}
    for field in fields:
        if field.name not in varying:
            value = fixed.get(field.name, field.get_default())
            template[field.column] = field.get_db_prep_save(value, connection)
    columns = [*template, *(Signature._meta.get_field(name).column for name in varying)]
    # Table and column names come from the model; the values are parameters.
    names, marks = ", ".join(columns), ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {Signature._meta.db_table} ({names}) VALUES ({marks})"  # noqa: S608
    constant = tuple(template.values())

    rng = random.Random(2024)  # the same signatures on every run
    total = count + count * 4 // 100
    rows = []
    for n in range(total):
        postcode, ward, constituency, council = _place(rng)
        state = SignatureState.COUNTED
        if n >= count:
            duplicate = n < count + count * 3 // 100
            state = SignatureState.DUPLICATE if duplicate else SignatureState.INVALIDATED
        address = "" if postcode else "1 High Street, Example Town"
        varied = (f"Signer {n}", f"signer {n}", address, postcode, state)
        rows.append((*constant, *varied, ward, constituency, council))
        if len(rows) == BATCH or n == total - 1:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
            rows = []
            if n % 100_000 < BATCH:
                print(f"  {n + 1:>9,} rows stored", end="\r", flush=True)
    print(" " * 40, end="\r")
    return total


def _timed(function, runs: int) -> tuple[float, float]:
    from django.core.cache import cache

    times = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def _query_plan(petition) -> str:
    from django.db import connection
    from django.db.models import Count

    from undersigned.petitions.models import Signature, SignatureState

    query = (
        Signature.objects.filter(petition=petition, state=SignatureState.COUNTED)
        .order_by()
        .values_list("ward_code", "constituency_code", "local_authority_code")
        .annotate(signatures=Count("*"))
    )
    sql, params = query.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join("    " + str(row[-1]) for row in cursor.fetchall())


def run(args: argparse.Namespace, engine: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from undersigned.petitions import selectors

    settings.DEBUG = False  # dev settings; keep Django from logging a million inserts
    call_command("migrate", verbosity=0)
    _setup_places()
    petition = bench_petition(target_local_authority_id=AUTHORITY[0])
    started = time.perf_counter()
    stored = _load_signatures(petition, args.signatures)
    print(f"{engine}: stored {stored:,} signatures in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")

    total = selectors.signature_count(petition=petition)
    by_ward = selectors.signature_counts_by_ward(petition=petition)
    assert sum(row.count for row in by_ward) == total == args.signatures, "breakdown != count"
    print(f"Counted: {total:,}; {len(by_ward)} rows by ward; plan of the GROUP BY:")
    print(_query_plan(petition))

    cases = [
        ("signature_counts_by_ward", lambda: selectors.signature_counts_by_ward(petition=petition)),
        (
            "signature_counts_by_constituency",
            lambda: selectors.signature_counts_by_constituency(petition=petition),
        ),
        ("signature_share_in_area", lambda: selectors.signature_share_in_area(petition=petition)),
        (
            "petition_ward_map_svg (breakdown + map)",
            lambda: selectors.petition_ward_map_svg(petition=petition),
        ),
    ]
    print(f"Cold (empty cache), {args.runs} runs each:")
    for name, function in cases:
        median, worst = _timed(function, args.runs)
        print(f"  {name:<34} median {median:7.1f} ms   max {worst:7.1f} ms")
    selectors.signature_counts_by_ward(petition=petition)
    started = time.perf_counter()
    for _ in range(1000):
        selectors.signature_counts_by_ward(petition=petition)
    warm = (time.perf_counter() - started) * 1000 / 1000
    ttl = settings.UNDERSIGNED_BREAKDOWN_CACHE_SECONDS
    print(f"Warm (cached for {ttl} s): {warm:.3f} ms a read")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=1_000_000, help="counted signatures")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each selector")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to run against (a new database is made on it, then dropped)",
    )
    args = parser.parse_args()

    with scratch(label="breakdown", database_url=args.database_url) as space:
        run(args, space.engine)


if __name__ == "__main__":
    sys.exit(main())
