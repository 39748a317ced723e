"""The real production server and the people signing on it, for the system tests.

:class:`Server` runs ``undersigned serve`` (gunicorn and its workers, production settings) on
a free port in its own process group, so that a test can stop it as an operator would or kill
every process of it at once. :class:`Signer` is one person's browser, built on ``http.client``
alone: it fetches the sign form for its CSRF cookie and token, posts signatures and records
what each one got back. :class:`SigningLoad` runs a few of them in threads.

Nothing here uses the test run's Django settings or database: the servers get a clean
environment of their own.
"""

from __future__ import annotations

import contextlib
import enum
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# The demo's open petition (undersigned.demo.content), which every test database gets.
PETITION_SLUG = "fresh-leadership-for-childrens-services"
PETITION_PATH = f"/petitions/{PETITION_SLUG}/"
THANK_YOU_PATH = f"{PETITION_PATH}thank-you/"
# Where the page's sign form posts to (tests/petitions/test_sign_endpoint.py checks the page).
SIGN_PATH = f"{PETITION_PATH}sign/"
JSON_PATH = f"/petitions/{PETITION_SLUG}.json"

# Gunicorn loading Django and Wagtail in each worker takes a few seconds on a busy machine.
START_TIMEOUT = 60
COMMAND_TIMEOUT = 180
REQUEST_TIMEOUT = 20
# What a fresh shell has: nothing of this test run's settings may reach the servers.
KEPT_ENVIRONMENT = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV"}
POSTCODES = ["CR0 1NY", "EX1 1AA", "SW1A 1AA", "M1 1AE", "B33 8TH"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def undersigned_command() -> list[str]:
    """The ``undersigned`` console script of this Python, as an operator runs it."""
    script = Path(sys.executable).with_name("undersigned")
    return [str(script)] if script.exists() else [sys.executable, "-m", "undersigned.cli"]


def server_environment(
    *,
    database_url: str,
    data_dir: Path,
    static_root: Path,
    redis_url: str = "",
    count_cache_seconds: int = 0,
    page_cache_seconds: int = 2,
    secret_key: str = "",
) -> dict[str, str]:
    """Production settings from the environment, for plain HTTP on 127.0.0.1 behind one
    (simulated) proxy, so that each simulated client can give its own X-Forwarded-For.

    A count shown may be ``count_cache_seconds`` old, and a public page or JSON a further
    ``page_cache_seconds`` (production's default, 2): :func:`shown_count` allows for both.
    """
    env = {key: value for key, value in os.environ.items() if key in KEPT_ENVIRONMENT}
    env.update(
        SECRET_KEY=secret_key or secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        UNDERSIGNED_DATA_DIR=str(data_dir),
        STATIC_ROOT=str(static_root),
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="false",
        TRUSTED_PROXY_COUNT="1",
        COUNT_CACHE_SECONDS=str(count_cache_seconds),
        PAGE_CACHE_SECONDS=str(page_cache_seconds),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def run_undersigned(*args: str, env: dict[str, str], timeout: float = COMMAND_TIMEOUT) -> str:
    """Run ``undersigned <args>`` to the end; fail the test with its output if it fails."""
    finished = subprocess.run(
        [*undersigned_command(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, f"undersigned {' '.join(args)} failed:\n{output}"
    return output


# The demo site, and the abuse settings' row that a test may then change with plain SQL.
PREPARE_SNIPPET = """
from undersigned.abuse.models import AbuseSettings
from undersigned.demo.content import demo_content_load
demo_content_load()
AbuseSettings.load()
"""


def database_prepare(env: dict[str, str]) -> None:
    """Migrate the database in ``env`` and load the demo site with its open petition."""
    run_undersigned("migrate", "--no-input", env=env)
    run_undersigned("shell", "-c", PREPARE_SNIPPET, env=env)


def sqlite_site_environment(folder: Path, *, static_root: Path) -> dict[str, str]:
    """A migrated SQLite demo site in ``folder``: the environment to start servers on it."""
    env = server_environment(
        database_url=f"sqlite:///{folder / 'undersigned.sqlite3'}",
        data_dir=folder / "data",
        static_root=static_root,
    )
    database_prepare(env)
    return env


class Server:
    """``undersigned serve --no-worker`` in its own process group, on a port of its own.

    The database is migrated and the static files collected beforehand, once, as an
    operator does before starting several app servers, hence ``--skip-prepare``.
    """

    def __init__(self, env: dict[str, str], *, log_dir: Path, name: str, workers: int = 2):
        self.env = env
        self.name = name
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def launch(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [
                    *undersigned_command(),
                    "serve",
                    "--skip-prepare",
                    "--no-worker",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_serving(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the petition's JSON answers 200: workers up, database reachable."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(NotSent, Lost):
                if exchange(self.port, "GET", JSON_PATH, timeout=5).status == 200:
                    return
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} not up after {timeout} s:\n{self.log_tail()}")
            time.sleep(0.25)

    def start(self) -> None:
        self.launch()
        self.wait_until_serving()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group at once: the command, gunicorn's master, workers."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop as a service manager does (SIGTERM: the command stops gunicorn and waits for
        it), then kill whatever is left of the group."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log_tail(self, characters: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]


def start_all(servers: Sequence[Server]) -> None:
    """Start several servers side by side (each takes seconds to load)."""
    for server in servers:
        server.launch()
    for server in servers:
        server.wait_until_serving()


# HTTP


class NotSent(Exception):
    """The connection was refused: the server never saw the request."""


class Lost(Exception):
    """The request went out but no answer came back (connection reset or closed)."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


def exchange(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> Reply:
    """One request on a new connection, telling a refused connection from a lost answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        try:
            connection.connect()
        except OSError as error:
            raise NotSent(repr(error)) from error
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            cookies = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookies.load(header)
            return Reply(
                status=response.status,
                headers={name.lower(): value for name, value in response.getheaders()},
                cookies={name: morsel.value for name, morsel in cookies.items()},
                body=response.read(),
            )
        except (OSError, http.client.HTTPException) as error:
            raise Lost(repr(error)) from error
    finally:
        connection.close()


def json_count(server: Server) -> int:
    """The petition's count as the public JSON gives it."""
    reply = exchange(server.port, "GET", JSON_PATH)
    assert reply.status == 200, f"{server.name}: {reply.status} {reply.text[:500]}"
    return json.loads(reply.body)["signature_count"]


def shown_count(server: Server, *, stored: int, margin: float = 10) -> int:
    """The count from the JSON once it shows ``stored``, or as it is when it has had the
    cached count's and cached copy's lifetimes and ``margin`` seconds more to get there."""
    env = server.env
    lifetimes = int(env["COUNT_CACHE_SECONDS"]) + int(env["PAGE_CACHE_SECONDS"])
    deadline = time.monotonic() + lifetimes + margin
    count = json_count(server)
    while count != stored and time.monotonic() < deadline:
        time.sleep(0.1)
        count = json_count(server)
    return count


def uncached(path: str) -> str:
    """``path`` as no one has asked for it, so that no cached copy of the page can answer."""
    return f"{path}?uncached={secrets.token_hex(8)}"


class _SignFormParser(HTMLParser):
    """The inputs of the form holding the CSRF token, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({})
        elif tag in {"input", "textarea", "select"} and self.forms and values.get("name"):
            kind = values.get("type", "text")
            if kind in {"submit", "button", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in values:
                return
            self.forms[-1][values["name"]] = values.get("value", "")

    def sign_form(self) -> dict[str, str] | None:
        return next((form for form in self.forms if "csrfmiddlewaretoken" in form), None)


# Signing


class Outcome(enum.Enum):
    ACKNOWLEDGED = "acknowledged"  # redirected to the thank-you page
    UNAVAILABLE = "unavailable"  # 503
    REFUSED = "refused"  # no connection: the server never saw it
    LOST = "lost"  # sent, but the connection broke before an answer
    OTHER = "other"  # any other answer (a 500 would be a bug)


@dataclass(frozen=True)
class Attempt:
    """One signature posted, and what came back."""

    name: str
    email: str
    postcode: str
    wants_updates: bool
    server: str
    outcome: Outcome
    started: float
    finished: float
    status: int | None = None
    retry_after: str = ""
    content_type: str = ""
    body: str = ""


@dataclass
class Signer:
    """One person's browser behind one address (X-Forwarded-For as the proxy would add it)."""

    forwarded_for: str
    form: dict[str, str] = field(default_factory=dict)
    csrf_cookie: str = ""
    posted: int = 0

    def _headers(self, server: Server) -> dict[str, str]:
        headers = {"X-Forwarded-For": self.forwarded_for, "Origin": server.base}
        if self.csrf_cookie:
            headers["Cookie"] = f"csrftoken={self.csrf_cookie}"
        return headers

    def fetch_form(self, server: Server) -> Reply | Outcome:
        """GET the petition page for the CSRF cookie and the form's own fields."""
        try:
            reply = exchange(server.port, "GET", PETITION_PATH, headers=self._headers(server))
        except NotSent:
            return Outcome.REFUSED
        except Lost:
            return Outcome.LOST
        if reply.status == 200:
            parser = _SignFormParser()
            parser.feed(reply.text)
            form = parser.sign_form()
            assert form is not None, f"no sign form on the petition page:\n{reply.text[:2000]}"
            self.form = form
            self.csrf_cookie = reply.cookies.get("csrftoken", self.csrf_cookie)
        return reply

    @property
    def ready(self) -> bool:
        return bool(self.form and self.csrf_cookie)

    def sign(
        self, server: Server, *, name: str, email: str, postcode: str, wants_updates: bool
    ) -> Attempt:
        fields = {**self.form, "name": name, "address": "", "postcode": postcode, "email": email}
        if wants_updates:
            fields["wants_updates"] = "on"
        headers = {
            **self._headers(server),
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"{server.base}{PETITION_PATH}",
        }
        self.posted += 1
        sent = {"name": name, "email": email, "postcode": postcode, "wants_updates": wants_updates}
        started = time.monotonic()
        try:
            reply = exchange(
                server.port, "POST", SIGN_PATH, body=urlencode(fields).encode(), headers=headers
            )
        except NotSent:
            return Attempt(
                **sent,
                server=server.name,
                outcome=Outcome.REFUSED,
                started=started,
                finished=time.monotonic(),
            )
        except Lost as error:
            return Attempt(
                **sent,
                server=server.name,
                outcome=Outcome.LOST,
                started=started,
                finished=time.monotonic(),
                body=str(error),
            )
        location = urlsplit(reply.headers.get("location", "")).path
        if reply.status in (302, 303) and location == THANK_YOU_PATH:
            outcome = Outcome.ACKNOWLEDGED
        elif reply.status == 503:
            outcome = Outcome.UNAVAILABLE
        else:
            outcome = Outcome.OTHER
        return Attempt(
            **sent,
            server=server.name,
            outcome=outcome,
            started=started,
            finished=time.monotonic(),
            status=reply.status,
            retry_after=reply.headers.get("retry-after", ""),
            content_type=reply.headers.get("content-type", ""),
            body="" if outcome is Outcome.ACKNOWLEDGED else reply.text[:3000],
        )


def signature_details(label: str, client: int, number: int) -> dict[str, str | bool]:
    """A signature nobody else sends: its name and email carry the client and its number."""
    return {
        "name": f"{label} Signer {client:02d} {number:05d}",
        "email": f"{label.lower()}.{client:02d}.{number:05d}@example.org",
        "postcode": POSTCODES[number % len(POSTCODES)],
        "wants_updates": number % 3 == 0,
    }


class SigningLoad:
    """``clients`` threads signing as fast as the servers answer, round-robin over ``servers``.

    Each client moves to a new address (X-Forwarded-For) every ``per_address`` signatures,
    well under the abuse limits, so that a long run is all people signing once each.
    """

    def __init__(
        self,
        servers: Sequence[Server],
        *,
        label: str,
        clients: int = 8,
        per_address: int = 10,
        pause_after_failure: float = 0.2,
    ) -> None:
        self.servers = list(servers)
        self.label = label
        self.clients = clients
        self.per_address = per_address
        self.pause_after_failure = pause_after_failure
        self.attempts: list[Attempt] = []
        self.form_failures: list[Reply | Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def start(self) -> SigningLoad:
        for client in range(self.clients):
            thread = threading.Thread(
                target=self._run, args=(client,), name=f"signer-{client}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
        assert not self.errors, f"a signing thread failed: {self.errors!r}"

    def _run(self, client: int) -> None:
        try:
            self._sign_until_stopped(client)
        except BaseException as error:  # reported by stop()
            self.errors.append(error)

    def _sign_until_stopped(self, client: int) -> None:
        number = 0
        addresses = 0
        signer: Signer | None = None
        while not self._stop.is_set():
            server = self.servers[number % len(self.servers)]
            if signer is None or signer.posted >= self.per_address:
                addresses += 1
                signer = Signer(forwarded_for=f"10.{client}.{addresses // 250}.{addresses % 250}")
            if not signer.ready:
                fetched = signer.fetch_form(server)
                if not signer.ready:
                    with self._lock:
                        self.form_failures.append(fetched)
                    self._stop.wait(self.pause_after_failure)
                    continue
            attempt = signer.sign(server, **signature_details(self.label, client, number))
            number += 1
            with self._lock:
                self.attempts.append(attempt)
            if attempt.outcome is not Outcome.ACKNOWLEDGED:
                self._stop.wait(self.pause_after_failure)

    def snapshot(self) -> list[Attempt]:
        with self._lock:
            return list(self.attempts)

    def server_errors(self) -> list[Attempt | Reply]:
        """Every answer, to a signature or to fetching the form, that was neither what was
        asked for nor a 503: a 500 here is a bug."""
        with self._lock:
            posts = [attempt for attempt in self.attempts if attempt.outcome is Outcome.OTHER]
            pages = [
                reply
                for reply in self.form_failures
                if isinstance(reply, Reply) and reply.status != 503
            ]
        return [*posts, *pages]

    def acknowledged(self, *, since: float = 0.0) -> list[Attempt]:
        return [
            attempt
            for attempt in self.snapshot()
            if attempt.outcome is Outcome.ACKNOWLEDGED and attempt.started >= since
        ]

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert not self.errors, f"a signing thread failed: {self.errors!r}"
            if time.monotonic() > deadline:
                outcomes = [attempt.outcome.value for attempt in self.snapshot()]
                raise AssertionError(f"no {what} after {timeout} s; outcomes so far: {outcomes}")
            time.sleep(0.1)
