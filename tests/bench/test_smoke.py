"""The load benchmarks run end to end: a second or two each, on SQLite, and print their figures.

They need wrk (Debian's package, which .ci/run installs) and are skipped without it. What they
measure is not checked here (figures belong in bench/, not in assertions); only that each one
starts the real server, drives it, checks the database and says what it found.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
WRK = "/usr/bin/wrk"

pytestmark = pytest.mark.skipif(
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


def run_bench(script: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, str(BENCH / script), *SHORT_RUN],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_sign_benchmark_signs_checks_the_table_and_compares_with_the_reference():
    result = run_bench("sign_throughput.py")

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "SQLite: 2 gunicorn workers (WEB_CONCURRENCY=2" in out
    for heading in ("signed/s", "p50", "p99", "errors", "stored = redirects + in flight"):
        assert heading in out
    ours = next(line for line in out.splitlines() if line.strip().startswith("Undersigned "))
    reference = next(line for line in out.splitlines() if line.strip().startswith("Reference"))
    assert " ok " in ours
    assert " ok " in reference
    assert "Undersigned / reference:" in out


def test_the_page_benchmark_reads_the_page_and_the_json_and_sees_a_new_signature():
    result = run_bench("page_throughput.py")

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "GETs/s" in out
    assert "Petition page" in out
    assert "JSON count" in out
    assert "A new signature showed: page after" in out
    assert "json after" in out
