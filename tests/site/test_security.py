"""Admin sign-in throttling (django-axes), the Content-Security-Policy and the secure headers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory

from tests.conftest import ORGANISER_PASSWORD
from tests.html_forms import form_submit
from undersigned.site.security import ContentSecurityPolicyMiddleware

PASSWORD = ORGANISER_PASSWORD
ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.7"
SRC = Path(__file__).resolve().parents[2] / "src" / "undersigned"


@pytest.fixture
def axes_on(settings):
    """The throttling as in production (test settings switch it off for ``client.login``)."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return settings


@pytest.fixture
def client():
    """Signs in through the login form with its CSRF token, as a browser does."""
    return Client(enforce_csrf_checks=True)


def _sign_in(client, username: str, password: str, address: str = ATTACKER, **headers):
    # Someone already signed in is not shown the form: they sign out first.
    client.logout()
    return form_submit(
        client,
        "/admin/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, times: int, username: str = "organiser", address: str = ATTACKER) -> list:
    return [_sign_in(client, username, "wrong guess", address) for _ in range(times)]


def test_the_fifth_failed_sign_in_locks_out_even_the_right_password(client, axes_on, organiser):
    responses = _fail(client, 5)
    assert [response.status_code for response in responses] == [200, 200, 200, 200, 429]

    response = _sign_in(client, "organiser", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)


def test_the_lockout_page_says_what_happened_and_when_to_try_again(client, axes_on, organiser):
    _fail(client, 5)
    response = _sign_in(client, "organiser", PASSWORD)
    html = response.content.decode()
    assert response["Retry-After"] == "900"
    assert "<h1>Too many failed sign-in attempts</h1>" in html
    assert "paused for 15 minutes" in html
    assert 'href="/admin/password_reset/"' in html
    assert "Traceback" not in html


def test_a_lockout_holds_back_only_that_username_from_that_address(client, axes_on, organiser):
    get_user_model().objects.create_superuser(
        username="volunteer", email="volunteer@example.org", password=PASSWORD
    )
    _fail(client, 5)

    assert _sign_in(client, "volunteer", PASSWORD, ATTACKER).status_code == 302
    client.logout()
    assert _sign_in(client, "organiser", PASSWORD, ELSEWHERE).status_code == 302
    assert _signed_in(client)


def test_failures_count_against_the_address_behind_the_trusted_proxy(
    client, axes_on, organiser, settings
):
    settings.UNDERSIGNED_TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _sign_in(client, "organiser", "wrong guess", "10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)
    # Another visitor behind the same load balancer is not locked out with the attacker.
    response = _sign_in(client, "organiser", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert response.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_after_the_cool_off_the_right_password_works_again(client, axes_on, organiser):
    _fail(client, 5)
    assert _sign_in(client, "organiser", PASSWORD).status_code == 429
    # Every try during the lockout starts the cool-off again: wind the clock past the last one.
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= axes_on.AXES_COOLOFF_TIME + timedelta(seconds=1)
        attempt.save()

    response = _sign_in(client, "organiser", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_successful_sign_in_clears_earlier_failures(client, axes_on, organiser):
    _fail(client, 4)
    assert _sign_in(client, "organiser", PASSWORD).status_code == 302
    client.logout()
    assert [r.status_code for r in _fail(client, 4)] == [200, 200, 200, 200]


# The Content-Security-Policy.


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_a_public_page_gets_the_strict_policy_with_no_nonce(client, home):
    response = client.get("/")
    assert _policy(response) == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "frame-src": "https://www.youtube-nocookie.com https://player.vimeo.com",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def test_error_pages_get_the_strict_policy_too(client, home):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert _policy(response)["script-src"] == "'self'"


def test_the_admin_gets_its_own_looser_policy_that_still_forbids_plugins(client, home):
    policy = _policy(client.get("/admin/login/"))
    assert policy["script-src"] == "'self' 'unsafe-inline'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"  # the page preview beside the editor


def test_a_nonce_is_made_and_allowed_only_when_a_template_uses_it():
    def view(request):
        return HttpResponse(
            Template('<style nonce="{{ request.csp_nonce }}"></style>').render(
                Context({"request": request})
            )
        )

    middleware = ContentSecurityPolicyMiddleware(view)
    response = middleware(RequestFactory().get("/"))
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in _policy(response)["style-src"]
    assert f"'nonce-{nonce}'" in _policy(response)["script-src"]

    other = middleware(RequestFactory().get("/"))
    assert nonce not in other.content.decode()

    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>Hi</p>"))
    assert "nonce" not in plain(RequestFactory().get("/"))["Content-Security-Policy"]


def test_a_response_with_its_own_policy_keeps_it():
    def view(request):
        response = HttpResponse("document")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/documents/1/a.pdf"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_the_brand_colours_stylesheet_is_cached_for_good_and_takes_only_hex(client, db):
    response = client.get("/brand/336699-aa0000.css")
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert "immutable" in response["Cache-Control"]
    assert "--brand-dark:#24476b" in response.content.decode()
    assert client.get("/brand/red;}-aa0000.css").status_code == 404


# Templates served to the public carry no inline script, style or event handler.

# A <style> or <script> block with a nonce is allowed (the policy lets it run), one without is not.
INLINE = re.compile(
    r"<style(?![^>]*nonce=)|\sstyle=|<script(?![^>]*(?:\ssrc=|nonce=))|\son[a-z]+=|javascript:",
    re.I,
)
NOT_PUBLIC = ("/admin/", "/admin_", "/emails/", "/pdf/")


def _public_templates() -> list[Path]:
    return [
        path
        for path in sorted(SRC.glob("*/templates/**/*.html"))
        if not any(part in str(path) for part in NOT_PUBLIC)
    ]


def test_public_templates_have_no_inline_script_style_or_handlers():
    found = {
        str(path.relative_to(SRC)): INLINE.findall(path.read_text()) for path in _public_templates()
    }
    offending = {name: hits for name, hits in found.items() if hits}
    assert offending == {}


# Secure headers in the production and demo settings.

SHOW_SETTINGS = """
import json, importlib
s = importlib.import_module("undersigned.config.settings." + __import__("sys").argv[1])
print(json.dumps({name: getattr(s, name, None) for name in [
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
    "X_FRAME_OPTIONS", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
]}))
"""


def _settings_of(module: str, tmp_path: Path, **env: str) -> dict:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "UNDERSIGNED_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "x" * 60,
        **env,
    }
    output = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS, module],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def test_production_settings_turn_on_every_secure_header(tmp_path):
    production = _settings_of("production", tmp_path)
    assert production == {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
    }


def test_hsts_subdomains_and_preload_come_from_the_environment(tmp_path):
    production = _settings_of(
        "production",
        tmp_path,
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="true",
    )
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert production["SECURE_HSTS_PRELOAD"] is True


def test_the_demo_on_plain_http_sends_no_hsts_and_no_secure_only_cookies(tmp_path):
    demo = _settings_of("demo", tmp_path)
    assert demo["SECURE_HSTS_SECONDS"] == 0
    assert demo["SESSION_COOKIE_SECURE"] is False
    assert demo["CSRF_COOKIE_SECURE"] is False
    assert demo["SECURE_SSL_REDIRECT"] is False
    assert demo["SECURE_PROXY_SSL_HEADER"] is None
    # What does not depend on HTTPS stays on.
    assert demo["X_FRAME_OPTIONS"] == "DENY"
    assert demo["SECURE_CONTENT_TYPE_NOSNIFF"] is True
