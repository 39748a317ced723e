"""What bench/sign_throughput.py and bench/page_throughput.py share: a fresh site, the real
server, and wrk.

Each bench makes a demo site in a temporary folder (SQLite in WAL mode), or in a new
PostgreSQL database that it drops afterwards, starts it with ``undersigned serve
--no-worker`` (production settings, gunicorn) on a free port of 127.0.0.1, and drives it with
``wrk`` and the Lua scripts in ``bench/wrk/``. Run as a script in the site's environment,
this module prepares the site (migrate, the demo content, static files collected once into a
folder every run shares) and prints what the benches need to know about it (the petition,
its postcodes, the signature table's columns) as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
WRK_DIR = BENCH_DIR / "wrk"
WRK = "/usr/bin/wrk"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
STATIC_CACHE = Path(tempfile.gettempdir()) / "undersigned-bench-static"


def wrk_ensure() -> str:
    """The path of wrk, installing Debian's package first when we may; else exit saying how."""
    if os.path.exists(WRK):
        return WRK
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not installed: running apt-get install -y wrk", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        if not os.path.exists(WRK):
            subprocess.run(["apt-get", "update", "-qq"], check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        if os.path.exists(WRK):
            return WRK
    sys.exit(
        "This benchmark drives the server with wrk, which is not installed.\n"
        "Install it (Debian/Ubuntu: sudo apt-get install wrk) and run it again."
    )


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:  # any failure means "no usable server"
        return False


def _postgres_database(url: str, name: str, *, create: bool) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')
        else:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def add_common_arguments(parser: argparse.ArgumentParser, *, connections: int) -> None:
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="which to run, comma-separated (default: SQLite, then PostgreSQL if it answers)",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to make the database on; given alone, runs PostgreSQL only "
        f"(default {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--duration", type=float, default=15, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before")
    parser.add_argument("--connections", type=int, default=connections, help="wrk clients")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--workers",
        type=int,
        help="gunicorn workers (default: as undersigned serve chooses for the database)",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument(
        "gunicorn_args", nargs=argparse.REMAINDER, help="further gunicorn options, after --"
    )


def parse_common_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    args = parser.parse_args()
    if args.gunicorn_args and args.gunicorn_args[0] == "--":
        args.gunicorn_args = args.gunicorn_args[1:]
    asked = [name.strip().lower() for name in args.databases.split(",") if name.strip()]
    unknown = set(asked) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    databases_given = any(arg.startswith("--databases") for arg in sys.argv[1:])
    if args.database_url and not databases_given:
        asked = ["postgresql"]
    args.postgres_required = bool(args.database_url) or databases_given
    args.database_url = args.database_url or DEFAULT_POSTGRES
    args.asked = asked
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")
    return args


def workers(engine: str, args: argparse.Namespace) -> int:
    """``--workers``, or what ``undersigned serve`` would start on ``engine`` here."""
    from undersigned.cli import default_workers

    if args.workers:
        return args.workers
    return default_workers(args.database_url if engine == "PostgreSQL" else "sqlite://")


def engines(args: argparse.Namespace) -> list[str]:
    """The databases to run on; PostgreSQL is skipped, with a note, when none answers."""
    chosen = ["SQLite"] if "sqlite" in args.asked else []
    if "postgresql" in args.asked:
        if postgres_answers(args.database_url):
            chosen.append("PostgreSQL")
        elif args.postgres_required:
            sys.exit(f"PostgreSQL does not answer at {args.database_url}")
        else:
            print(f"PostgreSQL: skipped, nothing answers at {args.database_url}", flush=True)
    return chosen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes), to print beside each figure."""
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


@dataclass
class Site:
    """A demo site in a fresh database, and the environment to run the server on it."""

    engine: str  # "SQLite" or "PostgreSQL"
    env: dict[str, str]
    folder: Path
    database_url: str
    info: dict = field(default_factory=dict)

    def _connect(self):
        if self.engine == "SQLite":
            import sqlite3

            return contextlib.closing(sqlite3.connect(self.info["sqlite_path"], timeout=30))
        import psycopg

        return psycopg.connect(self.database_url)

    def signatures_add(self, count: int) -> None:
        """Store ``count`` signatures straight into the table, as if signed over the last day."""
        info = self.info
        columns = [*info["constants"], "name", "name_key", "postcode", "ip_hash", "created_at"]
        mark = "?" if self.engine == "SQLite" else "%s"
        # Names come from Django's model (site_info), values are parameters.
        sql = (
            f"INSERT INTO {info['table']} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join([mark] * len(columns))})"
        )
        start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
        step = datetime.timedelta(days=1) / max(count, 1)
        postcodes = info["postcodes"]

        def rows():
            for n in range(count):
                when = start + step * n
                if self.engine == "SQLite":
                    when = when.replace(tzinfo=None).isoformat(" ")
                name = f"Earlier Signer {n}"
                postcode = postcodes[n % len(postcodes)]
                yield (*info["constants"].values(), name, name.lower(), postcode, "", when)

        with self._connect() as db:
            if self.engine == "SQLite":
                db.executemany(sql, rows())
                db.commit()
            else:
                with db.cursor() as cursor:
                    cursor.executemany(sql, rows())

    def signature_rows(self) -> dict[str, int]:
        """Rows in the signatures table for the petition, by state, read straight from it."""
        sql = (
            "SELECT state, COUNT(*) FROM petitions_signature WHERE petition_id = %s GROUP BY state"
        )
        if self.engine == "SQLite":
            sql = sql.replace("%s", "?")
        with self._connect() as db:
            rows = db.execute(sql, [self.info["petition_id"]]).fetchall()
        return dict(rows)


@contextlib.contextmanager
def demo_site(*, engine: str, postgres_url: str, workers: int, label: str) -> Iterator[Site]:
    """A migrated demo site with its open petition, in a temporary folder (and database)."""
    with tempfile.TemporaryDirectory(prefix=f"undersigned-bench-{label}-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
        env.update(
            DJANGO_SETTINGS_MODULE="undersigned.config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            UNDERSIGNED_DATA_DIR=str(folder),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # One load balancer in front, which appends the client's address.
            TRUSTED_PROXY_COUNT="1",
            WEB_CONCURRENCY=str(workers),
            # Collected once for all runs (collecting afresh takes longer than a run).
            STATIC_ROOT=str(STATIC_CACHE),
        )
        database_name = f"undersigned_bench_{label}_{os.getpid()}"
        if engine == "PostgreSQL":
            url = _postgres_database(postgres_url, database_name, create=True)
        else:
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
        env["DATABASE_URL"] = url
        site = Site(engine=engine, env=env, folder=folder, database_url=url)
        try:
            # One Django process migrates, loads the demo, collects static files if they
            # changed, and says what the benches need to know.
            prepared = subprocess.run(
                [sys.executable, __file__], env=env, check=True, stdout=subprocess.PIPE, text=True
            )
            site.info = json.loads(prepared.stdout.strip().splitlines()[-1])
            yield site
        finally:
            if engine == "PostgreSQL":
                _postgres_database(postgres_url, database_name, create=False)


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    log: Path

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (gunicorn's master and workers)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command name: state, ppid, pgrp, session, ..., utime (12), stime (13).
            if int(fields[3]) == self.process.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


def _wait_until_up(server: Server, path: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        # The load balancer in front says the visitor came over HTTPS (no redirect to it).
        request = urllib.request.Request(
            server.base_url + path, headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.5)
    tail = server.log.read_text(errors="replace")[-3000:] if server.log.exists() else ""
    raise RuntimeError(f"the server did not come up on {server.base_url}:\n{tail}")


@contextlib.contextmanager
def running(
    command: list[str], *, env: dict[str, str], log: Path, port: int, ready_path: str
) -> Iterator[Server]:
    """Run a server command until the block ends; its output (the access log) goes to ``log``."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        server = Server(process=process, base_url=f"http://127.0.0.1:{port}", log=log)
        try:
            _wait_until_up(server, ready_path)
            yield server
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def undersigned_serve(site: Site, *, workers: int, gunicorn_args: list[str]):
    """``undersigned serve --no-worker`` on a free port, as an operator runs it."""
    port = free_port()
    # Migrated and collected already (site_prepare).
    command = [sys.executable, "-m", "undersigned.cli", "serve", "--no-worker", "--skip-prepare"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    if gunicorn_args:
        command += ["--", *gunicorn_args]
    return running(
        command,
        env=site.env,
        log=site.folder / f"serve-{port}.log",
        port=port,
        ready_path=site.info["petition_path"],
    )


def gunicorn_command(app: str, *, port: int, workers: int, gunicorn_args: list[str]) -> list[str]:
    """gunicorn's command line as ``undersigned serve`` builds it, for another WSGI app, which
    runs on gunicorn's sync workers without the front (``config/front.py``)."""
    from undersigned.cli import _gunicorn_argv

    return _gunicorn_argv(bind=f"127.0.0.1:{port}", workers=workers, extra=gunicorn_args, app=app)


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_pair(url: str) -> tuple[str, str]:
    """(cookie, form token) from one GET of a page with a form, as a browser gets them."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=30) as response:
        html = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    cookie = next(
        (c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")), None
    )
    token = CSRF_INPUT.search(html)
    if not cookie or not token:
        raise RuntimeError(f"no CSRF cookie or token in the answer from {url}")
    return cookie, token.group(1)


def wrk(
    script: str,
    base_url: str,
    args: list[str],
    *,
    connections: int,
    threads: int,
    duration: float,
) -> dict:
    """Run wrk with one of bench/wrk's scripts and return the figures its done() printed."""
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s"]
    command += ["--timeout", "10s", "-s", str(WRK_DIR / script), base_url, "--", *args]
    result = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    line = next((li for li in result.stdout.splitlines() if li.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{result.stdout}")
    figures = json.loads(line[len("BENCH ") :])
    figures["seconds"] = figures["duration_us"] / 1e6
    figures["socket_errors"] = sum(
        figures[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return figures


def milliseconds(microseconds: float) -> str:
    return f"{microseconds / 1000:.1f} ms"


def _static_files_collect() -> None:
    """``collectstatic`` into the shared folder, unless it holds these very files already."""
    import hashlib

    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    fingerprint = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            fingerprint.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    STATIC_CACHE.mkdir(exist_ok=True)
    marker = STATIC_CACHE / "bench-fingerprint"
    with (STATIC_CACHE.parent / "undersigned-bench-static.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two benches at once collect one after the other
        if marker.exists() and marker.read_text() == fingerprint.hexdigest():
            return
        call_command("collectstatic", interactive=False, verbosity=0, clear=True)
        marker.write_text(fingerprint.hexdigest())


def site_prepare() -> dict:
    """Migrate, load the demo, collect static files; what the benches need to know."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from undersigned.demo.content import demo_content_load

    call_command("migrate", interactive=False, verbosity=0)
    demo_content_load()
    _static_files_collect()
    return _site_info(settings)


def _site_info(settings) -> dict:
    from django.db import connection
    from django.urls import reverse

    from undersigned.petitions.models import PetitionPage, PetitionState, Signature
    from undersigned.places.demo import demo_postcodes

    petition = PetitionPage.objects.live().filter(state=PetitionState.OPEN).order_by("pk").first()
    varying = {"name", "name_key", "postcode", "ip_hash", "created_at"}
    constants = {}
    for model_field in Signature._meta.concrete_fields:
        if model_field.primary_key or model_field.name in varying:
            continue
        value = petition.pk if model_field.name == "petition" else model_field.get_default()
        constants[model_field.column] = model_field.get_db_prep_save(value, connection)
    path = petition.get_url()
    database = settings.DATABASES["default"]
    return {
        "petition_id": petition.pk,
        "petition_path": path,
        "json_path": f"/petitions/{petition.slug}.json",
        # Where the page's sign form posts to.
        "sign_path": reverse("petitions:sign", kwargs={"slug": petition.slug}),
        "thank_you_path": petition.thank_you_url,
        "postcodes": [postcode for postcode, _ward in demo_postcodes()],
        "table": Signature._meta.db_table,
        "constants": constants,
        "sqlite_path": str(database["NAME"]) if connection.vendor == "sqlite" else "",
        "count_cache_seconds": settings.UNDERSIGNED_COUNT_CACHE_SECONDS,
        "page_cache_seconds": getattr(settings, "UNDERSIGNED_PAGE_CACHE_SECONDS", 0),
    }


if __name__ == "__main__":
    print(json.dumps(site_prepare()))
