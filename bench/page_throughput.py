"""Page throughput: petition page, JSON, open-data list and embed GETs a second, and how stale
the count gets.

    python bench/page_throughput.py                  # SQLite, then PostgreSQL if it answers
    python bench/page_throughput.py --databases sqlite --connections 128
    python bench/page_throughput.py --database-url postgres://postgres@127.0.0.1:5432/postgres

A fresh demo site is made and started as in bench/sign_throughput.py (``undersigned serve
--no-worker``, production settings, gunicorn with ``--workers``), and ``wrk`` fetches the
open petition's page, then its JSON (``/petitions/<slug>.json``, with its counts by area),
the open-data list (``/petitions.json``) and the sign form made for other sites' frames
(``/petitions/<slug>/embed/``), from ``--connections`` clients at once, each request a
first-time visitor (no cookies) from its own address behind one trusted proxy. For each it
prints GETs a second, p50/p99 latency, errors (any answer but 200, and socket errors) and the
server's CPU time per request.

While the page is under load, one person signs (a real POST through the server) and the
bench polls the page and the JSON until they show the new count: that delay is printed
against the most it may be, the page cache time plus the count cache time.

Then, unless ``--no-reference``, the same GETs go to the same Django application on
gunicorn's sync workers, without the front that reads whole requests first
(``config/front.py``): our rates are printed as a share of that reference's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import loadtest

COUNT_IN_PAGE = re.compile(r'progress-card__count"><strong>([\d,]+)</strong>')


def _get(url: str) -> str:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def _shown_counts(server: loadtest.Server, site: loadtest.Site) -> tuple[int | None, int]:
    page = COUNT_IN_PAGE.search(_get(server.base_url + site.info["petition_path"]))
    data = json.loads(_get(server.base_url + site.info["json_path"]))
    return (int(page[1].replace(",", "")) if page else None), data["signature_count"]


def _sign_once(server: loadtest.Server, site: loadtest.Site) -> None:
    """One person signs through the server, as a browser would."""
    cookie, token = loadtest.csrf_pair(server.base_url + site.info["petition_path"])
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "name": "Staleness Probe",
            "address": "",
            "postcode": site.info["postcodes"][0],
            "email": "",
        }
    ).encode()
    request = urllib.request.Request(
        server.base_url + site.info["sign_path"],
        data=body,
        headers={
            "Cookie": f"csrftoken={cookie}",
            "Origin": "https://" + server.base_url.split("//", 1)[1],
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.7",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=30)
    except urllib.error.HTTPError as answer:
        if answer.code not in (302, 303):
            raise
    else:
        raise RuntimeError("signing did not redirect to the thank-you page")


def _staleness(server: loadtest.Server, site: loadtest.Site, limit: float) -> dict:
    """Seconds from a signature being stored until the page and the JSON show it."""
    page_before, json_before = _shown_counts(server, site)
    _sign_once(server, site)
    signed = time.monotonic()
    seen: dict[str, float | None] = {}
    if page_before is None:
        seen["page"] = None  # the count is not where this bench looks for it
    while len(seen) < 2 and time.monotonic() - signed < limit + 10:
        page, data = _shown_counts(server, site)
        now = time.monotonic() - signed
        if "page" not in seen and page is not None and page > (page_before or 0):
            seen["page"] = now
        if "json" not in seen and data > json_before:
            seen["json"] = now
        time.sleep(0.05)
    return seen


def _measure(server: loadtest.Server, args: argparse.Namespace, path: str) -> dict:
    options = {"connections": args.connections, "threads": args.threads}
    if args.warmup:
        loadtest.wrk("get.lua", server.base_url, [path], duration=args.warmup, **options)
    load = loadtest.load()
    cpu = server.cpu_seconds()
    figures = loadtest.wrk("get.lua", server.base_url, [path], duration=args.duration, **options)
    cpu = server.cpu_seconds() - cpu
    figures.update(
        load=load,
        failed=figures["answered"] - figures["statuses"].get("200", 0) + figures["socket_errors"],
        per_second=figures["statuses"].get("200", 0) / figures["seconds"],
        cpu_ms=cpu * 1000 / max(figures["answered"], 1),
    )
    return figures


def _row(name: str, figures: dict) -> str:
    p50, p99 = loadtest.milliseconds(figures["p50_us"]), loadtest.milliseconds(figures["p99_us"])
    return (
        f"  {name:<14} {figures['per_second']:>8,.0f} {p50:>9} {p99:>9} {figures['failed']:>7,}"
        f" {figures['cpu_ms']:>6.2f} ms   {figures['load']}"
    )


def _reference(site: loadtest.Site, args: argparse.Namespace, *, workers: int) -> dict:
    """The same pages from the same Django application on gunicorn's sync workers, with no
    front reading requests first (config/front.py): what ``serve`` ran before it had one."""
    port = loadtest.free_port()
    command = loadtest.gunicorn_command(
        "undersigned.config.wsgi:application",
        port=port,
        workers=workers,
        gunicorn_args=args.gunicorn_args,
    )
    log = site.folder / "reference.log"
    ready = site.info["petition_path"]
    with loadtest.running(command, env=site.env, log=log, port=port, ready_path=ready) as server:
        return {
            "page": _measure(server, args, site.info["petition_path"]),
            "json": _measure(server, args, site.info["json_path"]),
        }


def bench_database(engine: str, args: argparse.Namespace) -> dict:
    workers = loadtest.workers(engine, args)
    with loadtest.demo_site(
        engine=engine, postgres_url=args.database_url, workers=workers, label="page"
    ) as site:
        info = site.info
        limit = info["page_cache_seconds"] + info["count_cache_seconds"]
        print(
            f"{engine}: {workers} gunicorn workers (WEB_CONCURRENCY={workers}, "
            f"{os.cpu_count()} cores), {args.connections} connections, "
            f"{args.duration:g} s after {args.warmup:g} s of warm-up; page cache "
            f"{info['page_cache_seconds']} s, count cache {info['count_cache_seconds']} s",
            flush=True,
        )
        results: dict = {"engine": engine, "workers": workers}
        with loadtest.undersigned_serve(
            site, workers=workers, gunicorn_args=args.gunicorn_args
        ) as server:
            # Sign once while the page is busy, and watch for the new count.
            command = [loadtest.WRK, f"-t{args.threads}", f"-c{args.connections}", "-d30s"]
            command += ["-s", str(loadtest.WRK_DIR / "get.lua"), server.base_url, "--"]
            background = subprocess.Popen(
                [*command, info["petition_path"]], stdout=subprocess.DEVNULL
            )
            try:
                time.sleep(1)
                results["staleness"] = _staleness(server, site, limit)
            finally:
                background.terminate()
                background.wait()
            results["page"] = _measure(server, args, info["petition_path"])
            results["json"] = _measure(server, args, info["json_path"])
            results["list"] = _measure(server, args, "/petitions.json")
            results["embed"] = _measure(server, args, f"{info['petition_path']}embed/")
        print(
            f"  {'':<14} {'GETs/s':>8} {'p50':>9} {'p99':>9} {'errors':>7} {'CPU/req':>9}   "
            "load 1/5/15 min"
        )
        print(_row("Petition page", results["page"]))
        print(_row("JSON count", results["json"]))
        print(_row("Open data list", results["list"]))
        print(_row("Embed", results["embed"]))
        if not args.no_reference:
            results["reference"] = _reference(site, args, workers=workers)
            print(_row("Reference page", results["reference"]["page"]))
            print(_row("Reference JSON", results["reference"]["json"]))
            for what in ("page", "json"):
                share = results[what]["per_second"] / results["reference"][what]["per_second"]
                results[f"{what}_share"] = share
                print(f"  {what}: {share:.0%} of the reference's GETs a second", flush=True)
        seen = results["staleness"]
        shown = ", ".join(
            f"{where} after {seen[where]:.1f} s"
            if seen[where] is not None
            else f"{where}: not found"
            for where in ("page", "json")
            if where in seen
        )
        missing = {"page", "json"} - set(seen)
        print(
            f"  A new signature showed: {shown or 'nowhere'}"
            f"{' (never in the ' + ' or '.join(sorted(missing)) + ')' if missing else ''}"
            f" (cached for at most {limit} s: page cache + count cache, plus the time each"
            " check takes under this load)",
            flush=True,
        )
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    loadtest.add_common_arguments(parser, connections=64)
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the run without the front"
    )
    args = loadtest.parse_common_arguments(parser)
    loadtest.wrk_ensure()
    results = [bench_database(engine, args) for engine in loadtest.engines(args)]
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
