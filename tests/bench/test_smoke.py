"""The benchmarks run end to end at a small size, on SQLite, and print their figures.

The two through the real server need wrk (Debian's package, which .ci/run installs) and are
skipped without it; the in-process one needs nothing more than the site. What they measure
is not checked here (figures belong in bench/, not in assertions); only that each one drives
the site, checks the database and says what it found.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
WRK = "/usr/bin/wrk"

needs_wrk = pytest.mark.skipif(
    not os.path.exists(WRK), reason="needs wrk (apt-get install wrk) to drive the server"
)


SHORT_RUN = [
    "--databases",
    "sqlite",
    "--duration",
    "2",
    "--warmup",
    "1",
    "--connections",
    "2",
    "--workers",
    "2",
]


def run_bench(script: str, *arguments: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@needs_wrk
def test_the_sign_benchmark_signs_checks_the_table_and_compares_with_the_reference():
    result = run_bench("sign_throughput.py", *SHORT_RUN, "--rounds", "2")

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "SQLite: 2 gunicorn workers (WEB_CONCURRENCY=2" in out
    for heading in ("signed/s", "p50", "p99", "errors", "stored = redirects + in flight"):
        assert heading in out
    rows = [line.split(maxsplit=1) for line in out.splitlines() if line.strip()]
    ours = [rest for name, *rest in rows if name == "Undersigned" and rest[0][0].isdigit()]
    reference = [rest for name, *rest in rows if name == "Reference"]
    # Two rounds each, taking turns: ours, the reference, the reference, ours.
    assert len(ours) == len(reference) == 2
    assert all(" ok " in rest[0] for rest in ours + reference)
    assert "Undersigned / reference: median" in out


@needs_wrk
def test_the_page_benchmark_reads_the_page_and_the_json_and_sees_a_new_signature():
    result = run_bench("page_throughput.py", *SHORT_RUN)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "GETs/s" in out
    assert "Petition page" in out
    assert "JSON count" in out
    assert "Open data list" in out
    assert "Embed" in out
    assert "A new signature showed: page after" in out
    assert "json after" in out


def test_the_in_process_sign_benchmark_signs_with_and_without_the_fast_path_and_checks_the_table():
    result = run_bench(
        "sign_inprocess.py", "--rounds", "2", "--signatures", "20", "--fast-path", "on,off"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("SQLite, fast path")]
    assert [line.split(":")[0] for line in lines] == [
        "SQLite, fast path on",
        "SQLite, fast path off",
    ]
    for line in lines:
        assert "CPU per signature median" in line
        assert "answers other than the thank-you redirect: 0" in line
        assert "stored 40 of 40" in line


def test_the_in_process_sign_benchmark_can_tick_the_updates_box_and_counts_the_list():
    result = run_bench("sign_inprocess.py", "--rounds", "2", "--signatures", "20", "--updates")

    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("SQLite, fast path")]
    assert line.startswith("SQLite, fast path on, box ticked: CPU per signature median")
    assert "stored 40 of 40" in line
    assert "on the supporter list 40, confirmation emails queued 40" in line


def test_the_supporter_segments_benchmark_counts_a_ward_and_lists_the_admin_pages():
    result = run_bench(
        "supporters_segments.py", "--supporters", "400", "--wards", "20", "--runs", "1"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "SQLite: 400 supporters in 20 wards" in out
    # 400 over 20 wards is 20 a ward, all confirmed in the ward it counts; one in ten of
    # everyone is waiting, lapsed or unsubscribed.
    assert re.search(r"recipient count, one ward: median .* \(20 people\)", out)
    assert re.search(r"recipient count, everyone: median .* \(360 people\)", out)
    for page in ("first page", "page 4", "first page, one ward", "search 'person 1234'"):
        assert f"admin list, {page}: median" in out


def test_the_paper_upload_benchmark_reads_reports_and_stores_a_file_through_the_services():
    result = run_bench("paper_upload.py", "--rows", "300", "--online", "60")

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "SQLite: 300 rows" in out
    # The bench checks the stored rows against the file it made before printing them.
    assert re.search(r"Stored \d+: \d+ counted, \d+ duplicates", out)
    for step in ("upload (read, check, keep)", "report (rules, who signed)", "confirm"):
        assert re.search(rf"{re.escape(step)}.* s +peak .* MB", out)
    assert "Process peak resident size" in out


# The data benches: each builds its own data in a scratch database (bench/scratch.py).


def test_the_hand_in_benchmark_builds_the_csv_and_the_pdf_of_a_petition():
    result = run_bench(
        "handin.py", "--rows", "10000", "--processes", "2", "--tracemalloc-rows", "0"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "SQLite: stored 10,000 signatures" in out
    assert re.search(r"CSV: 10,000 rows in .* s.*; load average [\d.]+", out)
    assert re.search(r"PDF: 10,000 rows in .* s .*, \d+ pages.*2 worker processes", out)
    for part in ("list laid out", "cover laid out", "joined and numbered"):
        assert re.search(rf"  {part}: .* s, .* s CPU", out)


def test_the_breakdown_benchmark_counts_by_area_and_draws_the_map():
    result = run_bench("breakdown.py", "--signatures", "2000", "--runs", "1")

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # 2,000 counted, and some stored beside them that the breakdown must leave out.
    assert re.search(r"SQLite: stored [\d,]+ signatures", out)
    assert "Counted: 2,000" in out
    assert "petition_ward_map_svg (breakdown + map)" in out


def test_the_abuse_rules_benchmark_applies_and_restores_a_rule():
    result = run_bench("abuse_rules.py", "--signatures", "2000", "--runs", "1")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "counted now: 2,000" in result.stdout


def test_the_postcode_import_benchmark_imports_a_generated_file():
    result = run_bench("import_postcodes.py", "--rows", "20000")

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"SQLite \(WAL\), first import: [\d,]+ rows in", result.stdout)


def test_the_hand_over_benchmark_times_both_ways_to_the_application_thread():
    result = run_bench("front_handoff.py", "--calls", "200", "--rounds", "2")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("200 calls a round, 2 rounds of each, load ")
    for way in ("ApplicationThread", "run_in_executor, one-thread pool"):
        (line,) = [line for line in lines if line.strip().startswith(way)]
        assert re.search(r"CPU +\d+\.\d µs a call +wall +\d+\.\d µs a call \(median\)", line)
