"""Hand-in pack speed and memory: the CSV and the PDF of a petition with many signatures.

    python bench/handin.py                      # 200,000 signatures, fresh SQLite
    python bench/handin.py --rows 20000 --addresses
    python bench/handin.py --database-url postgres://postgres@127.0.0.1:5432/postgres

A fresh database is migrated in a temporary folder (SQLite), or made on the PostgreSQL
server given by ``--database-url`` (and dropped afterwards); one petition gets ``--rows``
counted signatures (plus 2% duplicates, every one with an email address) in eight wards.
Then each step of the background task runs in its own child process, calling the service
as the task does, so that each step's peak memory is its own: ``ru_maxrss`` for the whole
process and for the largest of its layout workers (Typst's layout lives outside Python's
heap), and ``tracemalloc``'s peak for Python objects. Within the PDF step, the list's layout
(Typst, in ``--processes`` workers), the cover (WeasyPrint) and the joining and numbering of
the pages are timed on their own. tracemalloc slows Python down, so the PDF is timed without
it, and its tracemalloc peak is taken in one more run over the first ``--tracemalloc-rows``
signatories (memory does not grow with the number of rows: the list is laid out a part at a
time, so a few parts show the peak). Each figure comes with the 1-minute load average at its
end: another busy process on the machine shows in the wall-clock times, less in CPU seconds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from scratch import scratch

WARDS = [
    ("E05900001", "Northfield"),
    ("E05900002", "Southfield"),
    ("E05900003", "Old Town"),
    ("E05900004", "Riverside"),
    ("E05900005", "Castle Hill"),
    ("E05900006", "Market Square and St Anne's"),
    ("E05900007", "Parkland"),
    ("E05900008", "Station"),
]
AUTHORITY = ("E09900001", "Example Borough")
FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Mary",
    "Ahmed",
    "Priya",
    "Tomasz",
    "Siobhan",
    "Kwame",
    "Mei",
    "Olu",
    "Hannah",
    "Rhys",
]
LAST_NAMES = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Seacole",
    "Khan",
    "Shah",
    "Nowak",
    "O'Brien",
    "Mensah",
    "Wong",
    "Adeyemi",
]


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def setup(rows: int) -> int:
    """Migrate, then store one petition with ``rows`` counted signatures; print its id."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils import timezone
    from wagtail.models import Page

    from undersigned.petitions.models import (
        PetitionIndexPage,
        PetitionPage,
        PetitionState,
        Signature,
        SignatureState,
    )
    from undersigned.petitions.services import name_key
    from undersigned.places.models import LocalAuthority, Ward

    authority = LocalAuthority.objects.create(code=AUTHORITY[0], name=AUTHORITY[1])
    Ward.objects.bulk_create(
        [Ward(code=code, name=name, local_authority=authority) for code, name in WARDS]
    )
    root = Page.get_first_root_node()
    index = root.add_child(instance=PetitionIndexPage(title="Petitions", slug="petitions"))
    petition = PetitionPage(
        title="Keep Northfield Library open",
        slug="keep-northfield-library-open",
        summary="The council plans to close our library.",
        story="<p>Hundreds of families use it every week.</p>",
        statement="We, the undersigned, call on Example Borough Council to keep Northfield "
        "Library open, with its current opening hours, staff and children's activities.",
        target="Example Borough Council",
        organiser_name="Northfield Residents",
        state=PetitionState.OPEN,
    )
    if hasattr(PetitionPage, "target_local_authority_id"):
        petition.target_local_authority = authority
    index.add_child(instance=petition)

    start = timezone.now() - datetime.timedelta(days=60)
    step = datetime.timedelta(days=59) / max(rows, 1)
    batch: list[Signature] = []
    originals = 0
    for n in range(rows + rows // 50):
        duplicate = n % 51 == 50
        person = n if not duplicate else n - 1
        name = f"{FIRST_NAMES[person % 13]} {LAST_NAMES[person // 13 % 11]} {person}"
        ward = WARDS[person % 8][0] if person % 97 else ""
        batch.append(
            Signature(
                petition_id=petition.pk,
                name=name,
                name_key=name_key(name) + ("" if not duplicate else f" dup{n}"),
                address=f"{person % 300 + 1} High Street\nNorthfield\nExampletown",
                postcode=f"EB{person % 9 + 1} {person % 10}AB",
                email=f"signer{person}@example.org" if not duplicate else "",
                state=SignatureState.DUPLICATE if duplicate else SignatureState.COUNTED,
                created_at=start + step * n,
                ward_code=ward,
                local_authority_code=AUTHORITY[0] if ward and person % 5 else "",
            )
        )
        originals += not duplicate
        if len(batch) == 5000:
            Signature.objects.bulk_create(batch)
            batch = []
    Signature.objects.bulk_create(batch)
    petition.state = PetitionState.CLOSED
    petition.save()
    return petition.pk


def start(petition_id: int, rows: int = 0) -> int:
    """Queue a pack and take its snapshot, as the task's first step does; print its id.

    With ``rows``, the snapshot ends after that many counted signatures (a smaller pack).
    """
    from undersigned.handin import build
    from undersigned.handin.models import HandinPack
    from undersigned.petitions.models import Signature, SignatureState

    pack = HandinPack.objects.create(petition_id=petition_id)
    build.handin_pack_start(pack=pack)
    if rows and rows < pack.rows_total:
        counted = Signature.objects.filter(petition_id=petition_id, state=SignatureState.COUNTED)
        last = counted.order_by("created_at", "pk").values_list("pk", flat=True)[rows - 1]
        HandinPack.objects.filter(pk=pack.pk).update(
            last_signature_id=last, rows_total=rows, signatures_counted=rows
        )
    return pack.pk


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _children_cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def _measure(started: float, cpu_started: float, children_started: float = 0.0) -> dict:
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu_seconds() - cpu_started,
        "workers_cpu": _children_cpu_seconds() - children_started,
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_maxrss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "load": os.getloadavg()[0],
    }


# The parts of the PDF step, as build.handin_pack_pdf_write calls them.
PDF_PARTS = {
    "signatory_parts_render": "list laid out",
    "cover_render": "cover laid out",
    "pdf_assemble": "joined and numbered",
}


def _time_pdf_parts(timings: dict[str, dict]) -> None:
    """Wrap the functions the PDF step calls so that each records its own figures."""
    from undersigned.handin import pdf

    def timed(function):
        def call(*args, **kwargs):
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            children_started = _children_cpu_seconds()
            result = function(*args, **kwargs)
            timings[function.__name__] = _measure(started, cpu_started, children_started)
            return result

        return call

    for name in PDF_PARTS:
        setattr(pdf, name, timed(getattr(pdf, name)))


def step(name: str, pack_id: int, *, addresses: bool, trace: bool) -> dict:
    """Run one step of the build in this process and measure it."""
    from undersigned.handin import build, pdf
    from undersigned.handin.models import HandinPack

    pack = HandinPack.objects.select_related("petition").get(pk=pack_id)
    if pack.include_addresses != addresses:
        HandinPack.objects.filter(pk=pack_id).update(include_addresses=addresses)
        pack.include_addresses = addresses
    write = {"csv": build.handin_pack_csv_write, "pdf": build.handin_pack_pdf_write}[name]
    timings: dict[str, dict] = {}
    if name == "pdf":
        _time_pdf_parts(timings)
    if trace:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    write(pack=pack)
    figures = _measure(started, cpu_started)
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    pack.refresh_from_db()
    field = pack.csv_file if name == "csv" else pack.pdf_file
    return {
        **figures,
        "traced_peak_mib": traced_peak / 2**20,
        "bytes": field.size,
        "pages": pack.pdf_pages,
        "rows": pack.rows_total,
        "parts": timings,
        "processes": pdf.pdf_processes(),
    }


def _child(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def _report(name: str, figures: dict, *, addresses: bool) -> None:
    processes = figures["processes"]
    pages = f", {figures['pages']:,} pages" if figures["pages"] else ""
    traced = (
        f", tracemalloc peak {figures['traced_peak_mib']:,.0f} MiB (traced run)"
        if figures["traced_peak_mib"]
        else ""
    )
    layout_workers = name == "pdf" and processes and not figures["traced_peak_mib"]
    workers = (
        f" (+ {processes} worker process{'es' if processes > 1 else ''}, "
        f"{figures['workers_maxrss_mib']:,.0f} MiB each at most)"
        if layout_workers
        else ""
    )
    print(
        f"{name.upper()}{' with addresses' if addresses else ''}: "
        f"{figures['rows']:,} rows in {figures['seconds']:,.1f} s "
        f"({figures['rows'] / figures['seconds']:,.0f} rows/s, "
        f"{figures['cpu']:,.1f} s CPU){pages}, {figures['bytes'] / 2**20:,.1f} MiB; "
        f"peak RSS {figures['maxrss_mib']:,.0f} MiB{workers}{traced}; "
        f"load average {figures['load']:.2f}",
        flush=True,
    )
    for function, label in PDF_PARTS.items():
        part = figures["parts"].get(function)
        if part is None:
            continue
        # ru_maxrss is the peak so far: each part shows the highest reached by its end.
        in_workers = function == "signatory_parts_render" and layout_workers
        workers = f", workers {part['workers_maxrss_mib']:,.0f} MiB" if in_workers else ""
        workers_cpu = f" ({part['workers_cpu']:,.1f} s in the workers)" if in_workers else ""
        print(
            f"  {label}: {part['seconds']:,.1f} s, {part['cpu']:,.1f} s CPU{workers_cpu}; "
            f"peak RSS so far {part['maxrss_mib']:,.0f} MiB{workers}; "
            f"load average {part['load']:.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="counted signatures")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to run against (a new database is made on it, then dropped)",
    )
    parser.add_argument("--addresses", action="store_true", help="include postal addresses")
    parser.add_argument(
        "--tracemalloc-rows",
        type=int,
        default=5000,
        help="signatories in the PDF run traced by tracemalloc (0: skip that run)",
    )
    parser.add_argument("--only", choices=["csv", "pdf"], help="run one step only")
    parser.add_argument(
        "--processes",
        type=int,
        help="worker processes laying out the PDF (default: the site's, two on two cores or "
        "more; 0: in the step's own process)",
    )
    parser.add_argument(
        "--pages-per-part", type=int, help="pages of the list Typst lays out at once"
    )
    parser.add_argument("--keep", type=Path, help="copy the built files into this folder")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _django({})
        from django.conf import settings

        # tracemalloc sees only this process: a traced run lays out here, not in workers.
        traced = args.child[0] in ("csv", "pdf") and args.child[-1] == "1"
        if traced:
            settings.UNDERSIGNED_HANDIN_PDF_PROCESSES = 0
        elif os.environ.get("BENCH_PROCESSES"):
            settings.UNDERSIGNED_HANDIN_PDF_PROCESSES = int(os.environ["BENCH_PROCESSES"])
        if os.environ.get("BENCH_PAGES_PER_PART"):
            settings.UNDERSIGNED_HANDIN_PAGES_PER_PART = int(os.environ["BENCH_PAGES_PER_PART"])
        command, *rest = args.child
        if command == "setup":
            print(setup(int(rest[0])))
        elif command == "start":
            print(start(int(rest[0]), int(rest[1]) if len(rest) > 1 else 0))
        else:
            addresses, trace = rest[1] == "1", rest[2] == "1"
            print(json.dumps(step(command, int(rest[0]), addresses=addresses, trace=trace)))
        return

    env = dict(os.environ)
    with scratch(label="handin", database_url=args.database_url, environ=env) as space:
        folder, engine = space.folder, space.engine
        env.update(
            BENCH_PROCESSES="" if args.processes is None else str(args.processes),
            BENCH_PAGES_PER_PART=str(args.pages_per_part or ""),
        )
        started = time.perf_counter()
        petition_id = _child(env, "setup", str(args.rows))
        print(
            f"{engine}: stored {args.rows:,} signatures (+2% duplicates) "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        pack_id = _child(env, "start", petition_id)
        addresses = "1" if args.addresses else "0"
        runs = [("csv", pack_id, "1"), ("pdf", pack_id, "0")]
        if args.tracemalloc_rows:
            sample = _child(env, "start", petition_id, str(args.tracemalloc_rows))
            runs.append(("pdf", sample, "1"))
        for name, pack, trace in runs:
            if args.only and name != args.only:
                continue
            figures = json.loads(_child(env, name, pack, addresses, trace))
            _report(name, figures, addresses=args.addresses)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in (folder / "private").rglob("*.*"):
                (args.keep / path.name).write_bytes(path.read_bytes())


if __name__ == "__main__":
    main()
