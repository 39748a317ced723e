"""`undersigned demo` from a fresh data folder, driven over real HTTP like a first-time user."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

# A black-box test of the real server (gunicorn, demo settings, its own SQLite file in a
# temporary data folder): it uses no pytest-django database and no Django test client. Only
# to know what the shown count must come to does it read the demo's database file itself.

PETITION_SLUG = "fresh-leadership-for-childrens-services"
# Generous: on a busy 2-core machine migrate + collectstatic alone can take a minute or more.
START_TIMEOUT = 240
# The count is cached for up to this long in each gunicorn worker (2 s by default).
COUNT_CACHE_SECONDS = 1
# The JSON and pages are also kept whole for this long (the page cache), on top of the count.
PAGE_CACHE_SECONDS = 1
# How long the shown count may take to reach the stored one (both caches and a busy machine).
COUNT_TIMEOUT = 10
COUNTED_SQL = """
SELECT COUNT(*) FROM petitions_signature s JOIN wagtailcore_page p ON p.id = s.petition_id
WHERE p.slug = ? AND s.state = 'counted'
"""
# What a fresh shell has: nothing of this test run's settings (DJANGO_SETTINGS_MODULE,
# DATABASE_URL, ...) may leak into the demo, which must work from its defaults.
KEPT_ENVIRONMENT = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def undersigned_command() -> list[str]:
    """The ``undersigned`` console script of this Python, as the README runs it."""
    script = Path(sys.executable).with_name("undersigned")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "undersigned.cli"]


@dataclass
class Form:
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)


class PageParser(HTMLParser):
    """The forms (with their inputs' values) and stylesheet links of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(attrs=values))
        elif tag in {"input", "textarea", "select"} and self.forms and values.get("name"):
            self.forms[-1].fields[values["name"]] = values.get("value", "")
        elif tag == "link" and "stylesheet" in values.get("rel", "").split():
            self.stylesheets.append(values["href"])


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def form_with(html: str, field_name: str) -> Form:
    forms = [form for form in parse(html).forms if field_name in form.fields]
    assert forms, f"no form with a {field_name!r} field on the page"
    return forms[0]


@dataclass
class Response:
    status: int
    url: str
    headers: Message  # names in any case, as HTTP allows
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


class Browser:
    """urllib with a cookie jar: follows redirects, sends cookies back, posts forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path: str, data: dict[str, str] | None = None, **headers) -> Response:
        url = urllib.parse.urljoin(self.base, path)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        if body is not None:
            # What a browser sends with a form post; Django checks the Origin if present.
            headers = {"Origin": self.base, "Referer": url, **headers}
        request = urllib.request.Request(url, data=body, headers=headers)
        with self.opener.open(request, timeout=20) as response:
            return Response(
                status=response.status,
                url=response.url,
                headers=response.headers,
                body=response.read(),
            )

    def submit(self, page: Response, field_name: str, **values: str) -> Response:
        """Fill in the page's form with ``field_name``, keeping its hidden inputs, and post it."""
        form = form_with(page.text, field_name)
        action = urllib.parse.urljoin(page.url, form.attrs.get("action") or page.url)
        return self.request(urllib.parse.urldefrag(action).url, data={**form.fields, **values})

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), None)

    def signature_count(self) -> int:
        response = self.request(f"/petitions/{PETITION_SLUG}.json")
        assert response.headers["Content-Type"].startswith("application/json")
        return json.loads(response.body)["signature_count"]

    def wait_for_count(self, expected: int) -> int:
        """The shown count once it is ``expected``, or as it is when the time is up."""
        deadline = time.monotonic() + COUNT_TIMEOUT
        count = self.signature_count()
        while count != expected and time.monotonic() < deadline:
            time.sleep(0.25)
            count = self.signature_count()
        return count


class DemoServer:
    """``undersigned demo`` in its own process group, on a free port, with a given data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {key: value for key, value in os.environ.items() if key in KEPT_ENVIRONMENT}
        self.env["UNDERSIGNED_DATA_DIR"] = str(data_dir)
        self.env["COUNT_CACHE_SECONDS"] = str(COUNT_CACHE_SECONDS)
        self.env["PAGE_CACHE_SECONDS"] = str(PAGE_CACHE_SECONDS)
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self.admin_password = ""
        # Whether the port took connections at the moment the admin login was printed.
        self.listening_when_announced = False

    def run(self, *args: str, timeout: float = START_TIMEOUT) -> str:
        """Run ``undersigned demo`` with ``args`` to the end and return what it printed."""
        finished = subprocess.run(
            [*undersigned_command(), "demo", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = finished.stdout + finished.stderr
        assert finished.returncode == 0, output
        return output

    def start(self) -> None:
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [*undersigned_command(), "demo", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while "Admin login:" not in self.log():
            if self.process.poll() is not None:
                pytest.fail(f"undersigned demo exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"undersigned demo printed no login in {START_TIMEOUT} s:\n{self.log()}"
                )
            time.sleep(0.1)
        self.listening_when_announced = self._accepts_connections()
        while not self._answers():
            if self.process.poll() is not None:
                pytest.fail(f"undersigned demo exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"undersigned demo did not answer in {START_TIMEOUT} s:\n{self.log()}")
            time.sleep(0.25)
        self.admin_password = admin_password(self.log())

    def _accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                return True
        except OSError:
            return False

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # an error page is still the server answering
        except OSError:
            return False

    def stop(self) -> None:
        """End the whole process group as Ctrl+C does (the command, gunicorn's master and
        workers, the task worker), then kill whatever of the group is still there."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):  # unless the whole group has gone
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def counted_signatures(self) -> int:
        """The demo petition's counted signatures as stored: what the shown count comes to."""
        database = self.data_dir / "undersigned.sqlite3"
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
        try:
            return connection.execute(COUNTED_SQL, (PETITION_SLUG,)).fetchone()[0]
        finally:
            connection.close()


def admin_password(output: str) -> str:
    found = re.search(r"Admin login:\s+username 'admin', password '([^']+)'", output)
    assert found, f"no admin login in the output:\n{output}"
    return found.group(1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[DemoServer]:
    server = DemoServer(tmp_path_factory.mktemp("demo") / "data")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser(demo) -> Browser:
    return Browser(demo.base)


def sign(browser: Browser, *, name: str, postcode: str, email: str) -> Response:
    page = browser.request(f"/petitions/{PETITION_SLUG}/")
    assert page.status == 200
    assert browser.cookie("csrftoken"), "the petition page set no CSRF cookie"
    return browser.submit(page, "csrfmiddlewaretoken", name=name, postcode=postcode, email=email)


def test_the_demo_prints_where_the_site_and_the_admin_are(demo):
    output = demo.log()
    assert f"Petition:       {demo.base}/petitions/{PETITION_SLUG}/" in output
    assert f"Admin:          {demo.base}/admin/" in output
    assert f"Data folder:    {demo.data_dir}" in output
    assert (demo.data_dir / "undersigned.sqlite3").exists()


def test_the_admin_login_is_the_last_thing_printed_once_the_demo_is_listening(demo):
    assert demo.listening_when_announced, "the login was printed before the port took connections"
    # The access log's line for the first request is written after its answer was sent.
    deadline = time.monotonic() + 10
    while '"GET / HTTP/1.1"' not in demo.log():
        assert time.monotonic() < deadline, f"no request logged:\n{demo.log()}"
        time.sleep(0.1)
    lines = [line for line in demo.log().splitlines() if line.strip()]
    first_request = next(n for n, line in enumerate(lines) if '"GET / HTTP/1.1"' in line)

    assert re.match(r"\s*Admin login:", lines[first_request - 1]), "\n".join(lines[:first_request])
    # The task worker's line per task goes to the log file, not between the login and requests.
    assert not any(line.startswith("Task id=") for line in lines[:first_request])


def test_the_link_in_an_email_the_demo_sends_points_at_the_port_it_serves_on(browser, demo):
    page = browser.request("/contact-us/")
    # The contact form refuses answers sent sooner than a person could type (3 s).
    time.sleep(3.5)
    browser.submit(
        page,
        "message",
        name="Ada Lovelace",
        email="ada@example.org",
        postcode="EB1 1AB",
        message="When is the next surgery?",
    )

    # The worker sends the team's notification; the demo's email backend prints it.
    deadline = time.monotonic() + COUNT_TIMEOUT * 6
    while "New message from Ada Lovelace" not in demo.log() and time.monotonic() < deadline:
        time.sleep(0.25)
    email = demo.log().partition("New message from Ada Lovelace")[2]
    links = re.findall(r"https?://\S+/admin/\S*", email)

    assert links, f"no admin link in the email:\n{email}"
    assert all(link.startswith(f"{demo.base}/admin/") for link in links), links


def test_signing_the_demo_petition_over_http_shows_thanks_and_adds_one_to_the_count(browser, demo):
    before = demo.counted_signatures()

    thanks = sign(browser, name="Grace Hopper", postcode="cr0 1ny", email="Grace@Example.org")

    assert thanks.status == 200
    assert urllib.parse.urlparse(thanks.url).path == f"/petitions/{PETITION_SLUG}/thank-you/"
    assert "Thank you" in thanks.text
    assert demo.counted_signatures() == before + 1
    assert browser.wait_for_count(before + 1) == before + 1


def test_signing_again_with_the_same_email_thanks_the_signer_but_does_not_count_twice(
    browser, demo
):
    sign(browser, name="Katherine Johnson", postcode="SW1A 1AA", email="katherine@example.org")
    before = demo.counted_signatures()

    thanks = sign(browser, name="K Johnson", postcode="SW1A 1AA", email="KATHERINE@example.org")

    assert thanks.status == 200
    assert "Thank you" in thanks.text
    assert demo.counted_signatures() == before
    assert browser.wait_for_count(before) == before


def test_the_admin_login_the_demo_prints_signs_in_to_the_wagtail_admin(browser, demo):
    login_page = browser.request("/admin/login/")
    assert login_page.status == 200

    dashboard = browser.submit(
        login_page, "password", username="admin", password=demo.admin_password
    )

    assert dashboard.status == 200
    assert urllib.parse.urlparse(dashboard.url).path == "/admin/"
    assert browser.cookie("sessionid"), "no session after signing in"
    assert not any("password" in form.fields for form in parse(dashboard.text).forms)


def test_a_wrong_admin_password_does_not_sign_in(browser):
    login_page = browser.request("/admin/login/")

    again = browser.submit(login_page, "password", username="admin", password="not-the-password")

    assert urllib.parse.urlparse(again.url).path == "/admin/login/"
    assert browser.cookie("sessionid") is None
    assert any("password" in form.fields for form in parse(again.text).forms)


def test_the_demo_serves_its_css_with_long_lived_caching(browser):
    page = browser.request(f"/petitions/{PETITION_SLUG}/")
    site_css = [href for href in parse(page.text).stylesheets if "/site/" in href]
    assert site_css, "the petition page links no site stylesheet"
    # collectstatic's manifest gives each file a content hash: site/site.<hash>.css
    assert re.fullmatch(r"/static/site/site\.[0-9a-f]{12}\.css", site_css[0]), site_css[0]

    css = browser.request(site_css[0])

    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert b"{" in css.body
    assert "immutable" in css.headers.get("Cache-Control", "")


def test_running_the_demo_again_on_the_same_data_folder_keeps_the_signatures(browser, demo):
    sign(browser, name="Mary Seacole", postcode="EX1 1AA", email="mary@example.org")
    before = demo.counted_signatures()
    assert before >= 1
    assert browser.wait_for_count(before) == before
    password = demo.admin_password

    demo.stop()
    output = demo.run("--no-serve", "--port", str(demo.port))
    demo.start()

    assert admin_password(output) == password
    assert demo.admin_password == password
    assert browser.signature_count() == before
