"""Paper upload speed: a 10,000-row CSV typed up by volunteers, read, reported and stored.

    python bench/paper_upload.py                    # 10,000 rows into a fresh SQLite
    python bench/paper_upload.py --rows 2000 --online 500

Through the real services, as the admin's two steps call them: the upload
(``paper_upload_create``: read the file, check its columns and limits, keep it), the report
(``paper_upload_report``: every row through the signing rules, and who signed already) and
the confirmation (``paper_upload_confirm``: read and check again, then store the sheet in
one transaction).
The petition already has ``--online`` signatures; 5% of the file's rows are people among
them (stored as duplicates), 2% are repeated within the file and 1% are bad (reported, not
stored). The database is a fresh SQLite in WAL mode in a temporary folder.

Memory is Python's peak allocation during each step (tracemalloc; the file itself is part of
it), and the process's peak resident size at the end.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc

from scratch import bench_petition, scratch

POSTCODES = [f"EB1 {n}{letters}" for n in range(10) for letters in ("AB", "DE", "FG", "HJ")]


def _setup(online: int):
    """A petition with ``online`` counted signatures, postcodes in 40 wards, an organiser."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from undersigned.petitions.models import (
        Signature,
    )
    from undersigned.petitions.services import name_key
    from undersigned.places.models import LocalAuthority, Postcode, Ward

    authority = LocalAuthority.objects.create(code="E09000099", name="Example Borough")
    Ward.objects.bulk_create(
        [
            Ward(code=f"E050999{n:02d}", name=f"Ward {n}", local_authority=authority)
            for n in range(len(POSTCODES))
        ]
    )
    Postcode.objects.bulk_create(
        [
            Postcode(
                postcode=postcode,
                ward_code=f"E050999{n:02d}",
                local_authority_code=authority.code,
                latitude=51.37,
                longitude=-0.1,
            )
            for n, postcode in enumerate(POSTCODES)
        ]
    )
    petition = bench_petition()
    now = timezone.now()
    Signature.objects.bulk_create(
        [
            Signature(
                petition=petition,
                name=f"Online Signer {n}",
                name_key=name_key(f"Online Signer {n}"),
                postcode=POSTCODES[n % len(POSTCODES)],
                email=f"online{n}@example.org",
                created_at=now,
            )
            for n in range(online)
        ],
        batch_size=1000,
    )
    organiser = get_user_model().objects.create_user("organiser", "o@example.org", "pw")
    return petition, organiser


def _csv(rows: int, online: int) -> tuple[bytes, dict[str, int]]:
    """The file, and how many of its rows are bad, online signers and repeats."""
    rng = random.Random(2026)  # the same file on every run
    lines = ["Full name,Address,Post code"]
    made = {"bad": 0, "online": 0, "repeated": 0}
    plain: list[int] = []  # rows of people not signed before, to repeat
    for n in range(rows):
        roll = rng.random()
        postcode = POSTCODES[n % len(POSTCODES)]
        if roll < 0.01:
            made["bad"] += 1
            lines.append(f"Signer {n},{n} High Street,NOT A POSTCODE")
        elif roll < 0.06 and online:
            made["online"] += 1
            k = rng.randrange(online)
            lines.append(f"online signer {k},,{POSTCODES[k % len(POSTCODES)].lower()}")
        elif roll < 0.08 and plain:
            made["repeated"] += 1
            k = rng.choice(plain[-10:])
            lines.append(f"Paper Signer {k},{k} High Street,{POSTCODES[k % len(POSTCODES)]}")
        else:
            plain.append(n)
            lines.append(f"Paper Signer {n},{n} High Street,{postcode}")
    return ("\r\n".join(lines) + "\r\n").encode(), made


def _measured(function):
    tracemalloc.start()
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    import datetime

    from django.conf import settings
    from django.core.management import call_command

    from undersigned.petitions import paper, selectors
    from undersigned.petitions.models import Signature, SignatureState

    settings.DEBUG = False
    settings.UNDERSIGNED_PAPER_MAX_ROWS = max(settings.UNDERSIGNED_PAPER_MAX_ROWS, args.rows)
    call_command("migrate", verbosity=0)
    petition, organiser = _setup(args.online)
    content, made = _csv(args.rows, args.online)
    print(
        f"SQLite: {args.rows:,} rows ({len(content) / 1e6:.1f} MB) onto a petition with "
        f"{args.online:,} online signatures; {made['bad']} bad rows, {made['online']} online "
        f"signers, {made['repeated']} repeated"
    )

    upload, upload_s, upload_peak = _measured(
        lambda: paper.paper_upload_create(
            petition=petition,
            uploaded_by=organiser,
            file_name="typed-up.csv",
            content=content,
            reference="Typed up",
            collected_on=datetime.date(2026, 11, 28),
        )
    )
    report, report_s, report_peak = _measured(lambda: paper.paper_upload_report(upload=upload))
    sheet, confirm_s, confirm_peak = _measured(
        lambda: paper.paper_upload_confirm(upload=upload, confirmed_by=organiser)
    )

    stored = Signature.objects.filter(paper_sheet=sheet)
    counted = stored.filter(state=SignatureState.COUNTED).count()
    duplicates = stored.filter(state=SignatureState.DUPLICATE).count()
    assert len(report.problems) == made["bad"], "bad rows reported"
    assert report.already_signed == made["online"] + made["repeated"], "signed already, reported"
    assert stored.count() == args.rows - made["bad"], "every good row stored"
    assert duplicates == made["online"] + made["repeated"], "duplicates"
    selectors.petition_counts_forget(petition=petition)
    assert selectors.signature_count(petition=petition) == args.online + counted
    print(f"Stored {stored.count():,}: {counted:,} counted, {duplicates:,} duplicates")
    print(f"  upload (read, check, keep)     {upload_s:6.2f} s   peak {upload_peak / 1e6:6.1f} MB")
    print(f"  report (rules, who signed)     {report_s:6.2f} s   peak {report_peak / 1e6:6.1f} MB")
    print(
        f"  confirm (read, check, store)   {confirm_s:6.2f} s   peak {confirm_peak / 1e6:6.1f} MB"
    )
    total = upload_s + report_s + confirm_s
    print(f"  all three steps                {total:6.2f} s")
    print(f"  {args.rows / total:,.0f} rows/s; {total * 1000 / args.rows:.2f} s per 1,000 rows")
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Process peak resident size: {resident:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the file")
    parser.add_argument("--online", type=int, default=5_000, help="online signatures before")
    args = parser.parse_args()
    with scratch(label="paper"):
        run(args)


if __name__ == "__main__":
    sys.exit(main())
