"""The ``undersigned`` command: run the demo, serve in production, or any manage.py command.

undersigned demo            set up a SQLite demo site in ./data and serve it on :8000
undersigned serve           run the production server (gunicorn) from the environment
undersigned check-deploy    say what the environment is missing for a safe deployment
undersigned import-postcodes FILE   load an ONS Postcode Directory release (CSV or zip)
undersigned api-key create --name NAME --scope read|write   make a key for the OSDI API
undersigned migrate ...     anything else is passed to Django's manage.py
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import dj_database_url

DEMO_SETTINGS = "undersigned.config.settings.demo"
PRODUCTION_SETTINGS = "undersigned.config.settings.production"
# Spelt with hyphens on this command line, as management commands with "_".
HYPHENATED_COMMANDS = {"import-postcodes", "import-boundaries", "api-key"}


def default_workers(database_url: str | None = None) -> int:
    """How many gunicorn workers ``serve`` starts unless ``WEB_CONCURRENCY`` says.

    With the database on this machine (SQLite, or PostgreSQL at localhost or through a Unix
    socket), one per core plus one: the database's own work needs the same cores, and more
    workers only take turns with it. On SQLite writes also queue for one lock
    (bench/sign_throughput.py on 2 cores: the same signatures a second with 3 workers as
    with 5, p99 33 ms instead of 70-100 ms); on a local PostgreSQL 3 workers signed 4-20%
    more a second than 5, with 10-15% less CPU per signature and p99 33 ms instead of 43
    (docs/performance.md). With PostgreSQL on another machine, gunicorn's usual two per core
    plus one, so that some work while others wait on the network. At most 9 either way.
    ``database_url`` defaults to ``DATABASE_URL``.
    """
    if os.environ.get("WEB_CONCURRENCY"):
        return int(os.environ["WEB_CONCURRENCY"])
    cores = os.cpu_count() or 1
    if database_url is None:
        database_url = os.environ.get("DATABASE_URL", "")
    if _postgresql_elsewhere(database_url):
        return min(2 * cores + 1, 9)
    return min(cores + 1, 9)


def _postgresql_elsewhere(database_url: str) -> bool:
    """Whether the URL names a PostgreSQL server on another machine: not one at localhost, a
    loopback address or a Unix socket (no host, or a socket folder such as
    ``%2Frun%2Fpostgresql``). Read as the settings read it (``dj_database_url``)."""
    if not database_url:
        return False
    config = dj_database_url.parse(database_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return False
    host = config.get("HOST", "").lower()
    if host in {"", "localhost"} or host.startswith("/"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return True


def _setup_django(settings_module: str, *, force: bool = False) -> None:
    if force:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    # Django is imported once the settings are chosen, and only by commands that need it.
    import django

    django.setup()


def access_log_wanted() -> bool:
    """Whether ``undersigned serve`` logs every request (``ACCESS_LOG=1``).

    Off by default: in production the proxy or load balancer in front keeps the access log,
    and at a signing peak gunicorn's own costs about a tenth of each request's time.
    """
    return os.environ.get("ACCESS_LOG", "").strip().lower() in {"1", "true", "yes", "on"}


# Each request is read whole on gunicorn's asyncio worker before Django gets it (config/front.py),
# so that slow clients cost sockets, not workers, and no proxy is needed in front.
FRONT_APP = "undersigned.config.front:application"


def _tcp_bind(bind: str) -> bool:
    """Whether gunicorn's ``--bind`` is a TCP address (not ``unix:`` or ``fd://``)."""
    return not bind.startswith(("unix:", "fd://"))


def _gunicorn_argv(
    *,
    bind: str,
    workers: int,
    extra: list[str],
    app: str = FRONT_APP,
    access_log: bool | None = None,
) -> list[str]:
    """gunicorn's command line; ``app`` is an ASGI application (the front) unless it is a
    plain WSGI one given by the benchmarks, which then runs on gunicorn's sync workers.

    The front's workers each listen on a socket of their own (``SO_REUSEPORT``), among which
    the kernel spreads new connections. On one shared socket, asyncio accepts every
    connection waiting when its worker wakes: a burst of visitors, or a proxy's pool of kept
    connections, all landed on one worker while the others stood idle (a third fewer
    signatures a second, docs/performance.md). A UNIX socket stays shared (each worker would
    unlink the others' file). Their event loop is uvloop's, which took a fifth less CPU
    per request than asyncio's in the same worker (docs/performance.md).
    """
    if access_log is None:
        access_log = access_log_wanted()
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        *(["--worker-class", "asgi", "--asgi-loop", "uvloop"] if app == FRONT_APP else []),
        *(["--reuse-port"] if app == FRONT_APP and _tcp_bind(bind) else []),
        "--bind",
        bind,
        "--workers",
        str(workers),
        *(["--access-logfile", "-"] if access_log else []),
        "--graceful-timeout",
        "10",
        # gunicorn's control socket sits at one path per user: several servers on one
        # machine (app servers, tests) would fight over it, and nothing here uses it.
        "--no-control-socket",
        *extra,
    ]


def _worker_argv() -> list[str]:
    """The background-task worker (search indexing, emails) for the database task queue."""
    return [sys.executable, "-m", "undersigned.cli", "db_worker", "--interval", "1"]


def _run_together(
    commands: list[list[str]],
    *,
    started: Callable[[list[subprocess.Popen]], None] | None = None,
) -> int:
    """Run the server and its worker side by side; when one stops, or on Ctrl-C, stop both.

    ``started`` is called with the processes once they are launched (the demo waits there
    for the server to listen before it prints where to find it).
    """
    processes = [subprocess.Popen(command) for command in commands]  # noqa: S603
    stopping = False

    def stop(signum=None, frame=None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if started is not None:
            started(processes)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    codes = [process.returncode for process in processes]
    return 0 if stopping else next((code for code in codes if code), 0)


def _prepare_database_and_static() -> None:
    # Imported after _setup_django: Django's modules are loaded only once settings are chosen.
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def _port_taken(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (as gunicorn binds: address reuse on)."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror:
        return False  # the server will say what is wrong with the host name
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return True
    return False


def _free_port_after(host: str, port: int) -> int | None:
    return next(
        (p for p in range(port + 1, min(port + 50, 65536)) if not _port_taken(host, p)), None
    )


def _demo_port_check(host: str, port: int) -> None:
    """Stop with a plain message, before any set-up, when the demo's port is taken."""
    if not _port_taken(host, port):
        return
    other = _free_port_after(host, port)
    suggestion = f": run `undersigned demo --port {other}`" if other else ""
    sys.exit(f"Port {port} is in use (another program, or a demo already running){suggestion}.")


def _serve_port_check(bind: str) -> None:
    """Stop with a plain message when ``bind``'s port is taken: with ``SO_REUSEPORT`` a second
    server of the same user would otherwise start beside the first and share its visitors."""
    if not _tcp_bind(bind):
        return
    host, _, port = bind.rpartition(":")
    if not port.isdigit():
        host, port = bind, "8000"  # gunicorn's default port
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - the address gunicorn would bind
    if _port_taken(host, int(port)):
        sys.exit(f"undersigned serve: {bind} is in use (another program, or a server running).")


def _wait_until_listening(host: str, port: int, server: subprocess.Popen) -> bool:
    """Poll until the server accepts connections; ``False`` if it stops first."""
    if host in {"0.0.0.0", ""}:  # noqa: S104 - connecting, not binding
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    deadline = time.monotonic() + 120
    while server.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return server.poll() is None


def demo(args: argparse.Namespace) -> None:
    if not args.no_serve:
        _demo_port_check(args.host, args.port)
    base = f"http://{args.host}:{args.port}"
    # Links in the demo's emails (updates, the inbox) point at the port it serves on.
    os.environ.setdefault("BASE_URL", base)
    _setup_django(DEMO_SETTINGS, force=True)
    # Imported only now: these need Django set up with the demo settings.
    from django.conf import settings

    from undersigned.demo.content import demo_admin_ensure, demo_content_load

    print(f"Setting up the demo in {settings.DATA_DIR} ...", flush=True)
    _prepare_database_and_static()
    petition = demo_content_load()
    login = demo_admin_ensure(password_file=settings.DATA_DIR / "demo-admin-password")
    # The login comes last, so that it is what a person sees once the demo is up.
    banner = (
        "\n"
        f"  Demo site:      {base}/\n"
        f"  Petition:       {base}{petition.url}\n"
        f"  Data folder:    {settings.DATA_DIR} (run again to keep it; delete it to start over)\n"
        f"  Log:            {settings.UNDERSIGNED_DEMO_LOG} (background tasks and more)\n"
        f"  Admin:          {base}/admin/\n"
        f"  Admin login:    username '{login.username}', password '{login.password}'"
    )
    if args.no_serve:
        print(banner, flush=True)
        return

    listening = False

    def announce(processes: list[subprocess.Popen]) -> None:
        nonlocal listening
        listening = _wait_until_listening(args.host, args.port, processes[0])
        if listening:
            print(banner, flush=True)

    # The demo shows each request as it comes in, and gunicorn's start-up chatter only if
    # something goes wrong.
    server = _gunicorn_argv(
        bind=f"{args.host}:{args.port}",
        workers=args.workers,
        extra=["--log-level", "warning"],
        access_log=True,
    )
    sys.stdout.flush()
    code = _run_together([server, _worker_argv()], started=announce)
    if code and not listening:
        sys.exit(f"undersigned demo: the server could not listen on port {args.port} (see above).")
    sys.exit(code)


def serve(args: argparse.Namespace) -> None:
    if not os.environ.get("SECRET_KEY") and "DJANGO_SETTINGS_MODULE" not in os.environ:
        sys.exit(
            "undersigned serve: set SECRET_KEY in the environment first, for example\n"
            "  export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\n"
            "(undersigned demo makes one for itself.)"
        )
    _serve_port_check(args.bind)
    _setup_django(PRODUCTION_SETTINGS)
    if not args.skip_prepare:
        _prepare_database_and_static()
    server = _gunicorn_argv(bind=args.bind, workers=args.workers, extra=args.gunicorn_args)
    sys.stdout.flush()
    sys.exit(_run_together([server] if args.no_worker else [server, _worker_argv()]))


def check_deploy(args: argparse.Namespace) -> None:
    """Django's ``check --deploy`` and our own checks (site/checks.py), on the production settings.

    Exits non-zero when anything at ``--fail-level`` or above is found, so that a release
    script can stop there.
    """
    # Django is imported only by the commands that use it (start-up cost of the others).
    from django.core.exceptions import ImproperlyConfigured

    try:
        _setup_django(PRODUCTION_SETTINGS)
    except ImproperlyConfigured as error:
        sys.exit(f"undersigned check-deploy: {error}")
    # Imported after _setup_django: the checks need Django set up with these settings.
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=True, fail_level=args.fail_level, databases=["default"])
    except SystemCheckError as error:
        print(error, file=sys.stderr)
        sys.exit("undersigned check-deploy: fix the problems above, then run it again.")
    print("undersigned check-deploy: nothing missing.")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in HYPHENATED_COMMANDS:
        argv = [argv[0].replace("-", "_"), *argv[1:]]
    parser = argparse.ArgumentParser(
        prog="undersigned",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo_parser = commands.add_parser("demo", help="set up and serve the demo site (SQLite)")
    demo_parser.add_argument("--host", default="127.0.0.1")
    demo_parser.add_argument("--port", type=int, default=8000)
    demo_parser.add_argument("--workers", type=int, default=2)
    demo_parser.add_argument(
        "--no-serve",
        action="store_true",
        help="set up the data and stop, without starting the server",
    )
    demo_parser.set_defaults(handler=demo)

    serve_parser = commands.add_parser("serve", help="run the production server (gunicorn)")
    serve_parser.add_argument("--bind", default=os.environ.get("BIND", "0.0.0.0:8000"))
    serve_parser.add_argument("--workers", type=int, default=default_workers())
    serve_parser.add_argument(
        "--skip-prepare", action="store_true", help="do not run migrate and collectstatic first"
    )
    serve_parser.add_argument(
        "--no-worker",
        action="store_true",
        help="serve web requests only; run the background-task worker elsewhere (db_worker)",
    )
    serve_parser.add_argument(
        "gunicorn_args", nargs=argparse.REMAINDER, help="further options for gunicorn, after --"
    )
    serve_parser.set_defaults(handler=serve)

    check_parser = commands.add_parser(
        "check-deploy", help="check the environment for a safe deployment (non-zero if not)"
    )
    check_parser.add_argument(
        "--fail-level",
        default="WARNING",
        choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
        help="the level of problem that makes it exit non-zero (default: WARNING)",
    )
    check_parser.set_defaults(handler=check_deploy)

    if argv and argv[0] not in {"demo", "serve", "check-deploy", "-h", "--help"}:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", PRODUCTION_SETTINGS)
        # Imported once DJANGO_SETTINGS_MODULE is set, only for manage.py commands.
        from django.core.management import execute_from_command_line

        execute_from_command_line(["undersigned", *argv])
        return

    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return
    if getattr(args, "gunicorn_args", None) and args.gunicorn_args[0] == "--":
        args.gunicorn_args = args.gunicorn_args[1:]
    args.handler(args)


if __name__ == "__main__":
    main()
