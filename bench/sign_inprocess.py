"""CPU time per signature, in one process: the WSGI application called directly, no server.

    python bench/sign_inprocess.py                      # 9 rounds of 2,000 signatures
    python bench/sign_inprocess.py --fast-path on,off   # the sign fast path, then without it
    python bench/sign_inprocess.py --rounds 15 --signatures 1000
    python bench/sign_inprocess.py --updates            # every signer ticks "keep me up to date"
    python bench/sign_inprocess.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    python bench/sign_inprocess.py --profile sign.prof  # cProfile of the last mode's rounds

``bench/sign_throughput.py`` measures signing through the real server under load, which is
what a visitor sees but swings from run to run on a shared 2-core machine (the same code has
given 700 and 1,700 signatures a second there). This bench takes the server, the load
generator and the scheduler out: a fresh demo site on SQLite (as the throughput bench makes
it, production settings), then one process imports ``undersigned.config.wsgi.application``
(the fast path around Django, as gunicorn loads it), GETs the petition page once for the
CSRF cookie and token, and posts the sign form to it as a new person each time (distinct
name, a demo postcode, its own address behind one trusted proxy, over HTTPS) for
``--rounds`` rounds of ``--signatures``. It prints the CPU time per signature of each round
and their median and minimum (the process's own user and system time, which other work on
the machine disturbs far less than it disturbs a rate), checks every answer was the redirect
to the thank-you page and that the table holds one row per signature. With ``--updates``
each signer also gives an email of their own and ticks "keep me up to date", so each
signature records its consent, joins the supporter list and queues a confirmation email
(the task is queued, not run: no worker takes from the queue here).

On PostgreSQL (``--database-url``, a new database made on that server and dropped
afterwards) the wall time per signature also holds the database server's work and the
round trips, one client at a time.

To compare two versions of the code on the same machine, run this file with each one's
``src`` first on the path (alternating, a few times each). CPU time still swings by a fifth
from run to run on a shared virtual machine; ``--instructions`` counts the instructions
instead (valgrind's callgrind, counting only during the rounds after the first), which is
the same from run to run of the same code, whatever else the machine is doing. It is about
fifty times slower, so use a few hundred signatures.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import loadtest

HOST = "127.0.0.1:8000"


def _environ(*, method: str, path: str, body: bytes, cookie: str, client: str) -> dict:
    """What gunicorn hands the application for one request through the load balancer."""
    # Imported here: only the measuring child sets Django up; the parent never does.
    from django.test import RequestFactory

    headers = {
        "host": HOST,
        "origin": f"https://{HOST}",
        "x-forwarded-for": client,
        "x-forwarded-proto": "https",
    }
    if cookie:
        headers["cookie"] = f"csrftoken={cookie}"
    request = RequestFactory().generic(
        method, path, body, content_type="application/x-www-form-urlencoded", headers=headers
    )
    return {**request.environ, "REMOTE_ADDR": "127.0.0.1"}


def _call(application, environ: dict) -> tuple[str, dict[str, str], bytes]:
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    chunks = application(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    # One value a header name is enough here; of the cookies, only the CSRF one is wanted.
    headers = {
        name.lower(): value.strip()
        for name, value in answer["headers"]
        if name.lower() != "set-cookie" or value.strip().startswith("csrftoken=")
    }
    return answer["status"], headers, body


def signing_measure(
    info: dict, *, rounds: int, signatures: int, label: str, updates: bool = False
) -> dict:
    """In the site's own process: sign ``rounds`` x ``signatures`` times; CPU per signature."""
    # Imported here: loading the WSGI application sets Django up, which only the child does.
    from undersigned.config.wsgi import application

    status, headers, body = _call(
        application,
        _environ(method="GET", path=info["petition_path"], body=b"", cookie="", client="1.1.1.1"),
    )
    cookie = headers["set-cookie"].split(";")[0].split("=", 1)[1]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    postcodes = [postcode.replace(" ", "+") for postcode in info["postcodes"]]
    per_round, wrong = [], 0
    profiler = cProfile.Profile(time.process_time) if os.environ.get("BENCH_PROFILE") else None
    counting = bool(os.environ.get("BENCH_INSTRUCTIONS"))
    for number in range(rounds):
        # Made before the clock starts: only the application's own work is timed.
        environs = [
            _environ(
                method="POST",
                path=info["sign_path"],
                body=(
                    f"csrfmiddlewaretoken={token}&name=Bench+Signer+{label}+{number}-{n}"
                    f"&address=&postcode={postcodes[n % len(postcodes)]}&email="
                    + (
                        f"bench-{label}-{number}-{n}%40example.org&wants_updates=on"
                        if updates
                        else ""
                    )
                ).encode(),
                cookie=cookie,
                client=f"10.{number % 250}.{n // 250 % 250}.{n % 250 + 1}",
            )
            for n in range(signatures)
        ]
        # The first round warms up (the statement prepared, caches filled): not counted.
        if counting and number:
            _callgrind_instrument(on=True)
        started_cpu, started = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for environ in environs:
            status, headers, _ = _call(application, environ)
            if not (status.startswith("302") and "/thank-you/" in headers.get("location", "")):
                wrong += 1
        if profiler:
            profiler.disable()
        if counting and number:
            _callgrind_instrument(on=False)
        per_round.append(
            {
                "cpu_ms": (time.process_time() - started_cpu) * 1000 / signatures,
                "wall_ms": (time.perf_counter() - started) * 1000 / signatures,
            }
        )
    if profiler:
        profiler.dump_stats(os.environ["BENCH_PROFILE"])
    result = {"rounds": per_round, "wrong_answers": wrong}
    if updates:
        result |= _supporters_and_confirmations_queued()
    return result


def _callgrind_instrument(*, on: bool) -> None:
    """Switch callgrind's counting in this process on or off, and wait until it has."""
    subprocess.run(
        ["callgrind_control", "--instr=on" if on else "--instr=off", str(os.getpid())],
        check=True,
        stdout=subprocess.DEVNULL,
    )


COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def _supporters_and_confirmations_queued() -> dict[str, int]:
    """How many signers are on the supporter list, and confirmation emails wait in the queue."""
    # Imported here: only the measuring child sets Django up; the parent never does.
    from django_tasks_db.models import DBTaskResult

    from undersigned.supporters.confirmation_tasks import supporter_email_confirmation
    from undersigned.supporters.models import Supporter

    return {
        "supporters": Supporter.objects.count(),
        "confirmations_queued": DBTaskResult.objects.filter(
            task_path=supporter_email_confirmation.module_path
        ).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--signatures", type=int, default=2000, help="a round")
    parser.add_argument(
        "--fast-path", default="on", help="on, off, or both in that order: on,off (default on)"
    )
    parser.add_argument(
        "--updates", action="store_true", help="every signer gives an email and ticks the box"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to make the database on (default: SQLite in a temporary folder)",
    )
    parser.add_argument("--profile", help="write a cProfile of the rounds to this file")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per signature under valgrind (rounds after the first)",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    if args.instructions and args.rounds < 2:
        parser.error("--instructions counts the rounds after the first: give --rounds 2 or more")
    modes = [mode.strip() for mode in args.fast_path.split(",") if mode.strip()]
    if not modes or set(modes) - {"on", "off"}:
        parser.error("--fast-path takes on, off or on,off")

    figures = {}
    engine = "PostgreSQL" if args.database_url else "SQLite"
    with loadtest.demo_site(
        engine=engine, postgres_url=args.database_url or "", workers=1, label="inproc"
    ) as site:
        for mode in modes:
            env = dict(site.env, SIGN_FAST_PATH="1" if mode == "on" else "0")
            if args.profile:
                env["BENCH_PROFILE"] = args.profile
            before = sum(site.signature_rows().values())
            arguments = [
                json.dumps(site.info),
                str(args.rounds),
                str(args.signatures),
                mode,
                "updates" if args.updates else "",
            ]
            command = [sys.executable, __file__, "--child", *arguments]
            if args.instructions:
                env["BENCH_INSTRUCTIONS"] = "1"
                counts = Path(tempfile.mkdtemp(prefix="undersigned-callgrind-")) / "out"
                command = [
                    "valgrind",
                    "--tool=callgrind",
                    "--instr-atstart=no",
                    f"--callgrind-out-file={counts}",
                    *command,
                ]
            child = subprocess.run(
                command,
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if args.instructions else None,
                text=True,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            stored = sum(site.signature_rows().values()) - before
            cpu = [r["cpu_ms"] for r in result["rounds"]]
            figure = figures[mode] = {
                "cpu_ms_median": statistics.median(cpu),
                "cpu_ms_min": min(cpu),
                "wall_ms_median": statistics.median(r["wall_ms"] for r in result["rounds"]),
                "rounds_cpu_ms": cpu,
                "wrong_answers": result["wrong_answers"],
                "stored": stored,
                "sent": args.rounds * args.signatures,
            }
            if args.instructions:
                counted = int(COLLECTED.findall(child.stderr)[-1])
                figure["instructions"] = counted // ((args.rounds - 1) * args.signatures)
            ticked = ", box ticked" if args.updates else ""
            print(
                f"{engine}, fast path {mode}{ticked}: CPU per signature median "
                f"{figure['cpu_ms_median']:.3f} ms, min {figure['cpu_ms_min']:.3f} ms "
                f"(rounds: {', '.join(f'{value:.3f}' for value in cpu)}); wall median "
                f"{figure['wall_ms_median']:.3f} ms; answers other than the thank-you "
                f"redirect: {figure['wrong_answers']}; stored {stored} of {figure['sent']}; "
                + (
                    f"on the supporter list {result['supporters']}, confirmation emails "
                    f"queued {result['confirmations_queued']}; "
                    if args.updates
                    else ""
                )
                + (
                    f"instructions per signature {figure['instructions']:,}; "
                    if args.instructions
                    else ""
                )
                + f"load {loadtest.load()}",
                flush=True,
            )
    if args.json:
        print(json.dumps(figures))
    failed = any(f["wrong_answers"] or f["stored"] != f["sent"] for f in figures.values())
    sys.exit(1 if failed else 0)


def child_main(info_json: str, rounds: str, signatures: str, mode: str, updates: str) -> None:
    result = signing_measure(
        json.loads(info_json),
        rounds=int(rounds),
        signatures=int(signatures),
        label=mode,
        updates=updates == "updates",
    )
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(*sys.argv[2:7])
    else:
        main()
