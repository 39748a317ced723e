"""Sign throughput: signatures a second through the real server, against a bare reference.

    python bench/sign_throughput.py                  # SQLite, then PostgreSQL if it answers
    python bench/sign_throughput.py --databases sqlite --duration 30
    python bench/sign_throughput.py --database-url postgres://postgres@127.0.0.1:5432/postgres
    python bench/sign_throughput.py --existing 200000    # a petition already widely signed

For each database a fresh demo site is made (SQLite in WAL mode in a temporary folder; on
PostgreSQL a new database on the server given by ``--database-url``, by default the local
one, dropped afterwards) and started with ``undersigned serve --no-worker``: production
settings, gunicorn with ``--workers`` (by default what ``undersigned serve`` chooses for this
machine). ``wrk`` (Debian's package; installed first when run as root) posts the sign form
from ``--connections`` clients, each request a new person (a distinct name, a valid
postcode, its own address behind one trusted proxy) carrying the CSRF cookie and token from
one GET of the petition page. After a warm-up it measures for ``--duration`` seconds and
prints signatures a second, p50/p99 latency, errors (any answer other than the redirect to
the thank-you page, and socket errors), the server's CPU time per request, and checks the
signatures table: the rows stored during the run must be the redirects wrk received plus
the requests still in flight when it stopped.

Then, under the same load, the same gunicorn command line runs ``bench/reference_app.py``,
which inserts each signature as one row into the same table and does nothing else; our
throughput is printed as a share of that. On a machine shared with other work the share and
the CPU time per request are steadier than the rates themselves: the load average is printed
beside each run.

Both servers stay up through the run. With ``--rounds N`` they take turns, ``N`` measured
runs each, ours and the reference alternately (the order flipped every round), and the
median share is printed after them: a 2-core virtual machine has changed speed by half from
one minute to the next, and alternating short runs lets both sides meet the same swings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

import loadtest


def _sign_args(site: loadtest.Site, server: loadtest.Server) -> Callable[[str], list[str]]:
    """wrk's arguments for sign.lua, with a fresh CSRF cookie and token from the page."""
    cookie, token = loadtest.csrf_pair(server.base_url + site.info["petition_path"])
    host = server.base_url.split("//", 1)[1]
    postcodes = ",".join(site.info["postcodes"])
    path = site.info["sign_path"]
    return lambda run: [path, cookie, token, postcodes, f"https://{host}", run]


def _measure(
    site: loadtest.Site,
    server: loadtest.Server,
    args: argparse.Namespace,
    *,
    label: str,
    sign_args: Callable[[str], list[str]],
    warmup: float,
) -> dict:
    """Warm up, then one measured wrk run; with the signatures table checked after it."""
    options = {"connections": args.connections, "threads": args.threads}
    if warmup:
        run = f"{label}-warm"
        loadtest.wrk("sign.lua", server.base_url, sign_args(run), duration=warmup, **options)
        time.sleep(1)
    before = site.signature_rows()
    load = loadtest.load()
    cpu = server.cpu_seconds()
    figures = loadtest.wrk(
        "sign.lua", server.base_url, sign_args(label), duration=args.duration, **options
    )
    cpu = server.cpu_seconds() - cpu
    time.sleep(1.5)  # requests in flight when wrk stopped finish on the server
    after = site.signature_rows()
    stored = sum(after.values()) - sum(before.values())
    in_flight = figures["sent"] - figures["answered"]
    figures.update(
        load=load,
        stored=stored,
        counted=after.get("counted", 0) - before.get("counted", 0),
        in_flight=in_flight,
        failed=figures["answered"] - figures["thanked"] + figures["socket_errors"],
        per_second=figures["thanked"] / figures["seconds"],
        cpu_ms=cpu * 1000 / max(figures["answered"], 1),
        check="ok" if stored == figures["thanked"] + in_flight else "MISMATCH",
    )
    return figures


HEADER = (
    f"  {'':<12} {'signed/s':>9} {'p50':>9} {'p99':>9} {'errors':>7} {'CPU/req':>9}   "
    f"{'stored = redirects + in flight':<32} load 1/5/15 min"
)


def _row(name: str, figures: dict) -> str:
    check = (
        f"{figures['stored']:,} = {figures['thanked']:,} + {figures['in_flight']} "
        f"{figures['check']}"
    )
    p50, p99 = loadtest.milliseconds(figures["p50_us"]), loadtest.milliseconds(figures["p99_us"])
    return (
        f"  {name:<12} {figures['per_second']:>9,.0f} {p50:>9} {p99:>9} {figures['failed']:>7,}"
        f" {figures['cpu_ms']:>6.2f} ms   {check:<32} {figures['load']}"
    )


def bench_database(engine: str, args: argparse.Namespace) -> dict:
    workers = loadtest.workers(engine, args)
    with loadtest.demo_site(
        engine=engine, postgres_url=args.database_url, workers=workers, label="sign"
    ) as site:
        if args.existing:
            site.signatures_add(args.existing)
        existing = f", {args.existing:,} signatures already stored" if args.existing else ""
        rounds = f", {args.rounds} rounds" if args.rounds > 1 else ""
        print(
            f"{engine}: {workers} gunicorn workers (WEB_CONCURRENCY={workers}, "
            f"{os.cpu_count()} cores), {args.connections} connections, {args.duration:g} s "
            f"after {args.warmup:g} s of warm-up{existing}{rounds}",
            flush=True,
        )
        with contextlib.ExitStack() as servers:
            server = servers.enter_context(
                loadtest.undersigned_serve(site, workers=workers, gunicorn_args=args.gunicorn_args)
            )
            sides = {"Undersigned": (server, _sign_args(site, server))}
            if not args.no_reference:
                sides["Reference"] = servers.enter_context(
                    _reference_server(site, args, workers=workers)
                )
            runs = {name: [] for name in sides}
            print(HEADER)
            for round_number in range(args.rounds):
                order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
                for name in order:
                    side_server, sign_args = sides[name]
                    label = f"{'ours' if name == 'Undersigned' else 'reference'}-{round_number}"
                    figures = _measure(
                        site,
                        side_server,
                        args,
                        label=label,
                        sign_args=sign_args,
                        warmup=args.warmup if round_number == 0 else 0,
                    )
                    runs[name].append(figures)
                    print(_row(name, figures), flush=True)
        ours = runs["Undersigned"]
        results = {"engine": engine, "workers": workers, "ours": ours[-1], "rounds": runs}
        uncounted = sum(run["stored"] - run["counted"] for run in ours)
        if uncounted:
            print(f"  (of the rows stored, {uncounted:,} not counted)")
        if "Reference" in runs:
            shares = [
                mine["per_second"] / theirs["per_second"] if theirs["per_second"] else 0
                for mine, theirs in zip(ours, runs["Reference"], strict=True)
            ]
            cpu_shares = [
                theirs["cpu_ms"] / mine["cpu_ms"] if mine["cpu_ms"] else 0
                for mine, theirs in zip(ours, runs["Reference"], strict=True)
            ]
            results["reference"] = runs["Reference"][-1]
            results["share"] = statistics.median(shares)
            each = (
                f" (rounds: {', '.join(f'{share:.0%}' for share in shares)})"
                if len(shares) > 1
                else ""
            )
            median = "median " if len(shares) > 1 else ""
            print(
                f"  Undersigned / reference: {median}{results['share']:.0%} of its signatures a "
                f"second{each} ({statistics.median(cpu_shares):.0%} by CPU time per request)",
                flush=True,
            )
        results["check"] = "ok" if all(run["check"] == "ok" for run in ours) else "MISMATCH"
        return results


@contextlib.contextmanager
def _reference_server(site: loadtest.Site, args: argparse.Namespace, *, workers: int):
    """The reference app on its own port: (server, wrk's arguments for it)."""
    from undersigned.config.settings.environment import SQLITE_INIT_COMMAND

    info = site.info
    config = {
        "vendor": "sqlite" if site.engine == "SQLite" else "postgresql",
        "database": info["sqlite_path"] or site.database_url,
        "init": SQLITE_INIT_COMMAND,
        "timeout": 20,
        "table": info["table"],
        "constants": info["constants"],
        "redirect": info["thank_you_path"],
        "ip_hash_key": site.env["SECRET_KEY"],
    }
    port = loadtest.free_port()
    command = loadtest.gunicorn_command(
        "reference_app:application",
        port=port,
        workers=workers,
        gunicorn_args=["--chdir", str(loadtest.BENCH_DIR), *args.gunicorn_args],
    )
    env = dict(site.env, BENCH_REFERENCE=json.dumps(config))
    # The reference has no page to take a CSRF token from: it gets the same form, unread.
    path, postcodes = info["sign_path"], ",".join(info["postcodes"])
    fields = [path, "x" * 32, "y" * 64, postcodes, f"https://127.0.0.1:{port}"]
    log = site.folder / "reference.log"
    with loadtest.running(command, env=env, log=log, port=port, ready_path="/") as server:
        yield server, lambda run: [*fields, run]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    loadtest.add_common_arguments(parser, connections=16)
    parser.add_argument(
        "--existing", type=int, default=0, help="signatures stored before the run (default 0)"
    )
    parser.add_argument("--no-reference", action="store_true", help="skip the reference app")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measured runs of each, ours and the reference alternately (default 1)",
    )
    args = loadtest.parse_common_arguments(parser)
    loadtest.wrk_ensure()

    results = [bench_database(engine, args) for engine in loadtest.engines(args)]
    if args.json:
        print(json.dumps(results))
    if any(result["check"] != "ok" for result in results):
        sys.exit("The signatures stored do not match the redirects received.")


if __name__ == "__main__":
    main()
