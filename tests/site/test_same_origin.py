"""Framing allowed for listed origins only, and the check that stands in for Django's CSRF
cookie where a form lives in another site's frame: where the browser says it was sent from."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from undersigned.site.security import framing_allow, same_origin_only, same_origin_post

OURS = "http://testserver"
ELSEWHERE = "https://attacker.example.net"


def post(**headers):
    return RequestFactory().post("/petitions/x/embed/sign/", **headers)


def frame_ancestors(response) -> str:
    return re.search(r"frame-ancestors ([^;]*)", response["Content-Security-Policy"])[1]


def test_framing_is_allowed_for_the_listed_origins_and_nothing_else_changes():
    response = framing_allow(
        RequestFactory().get("/"),
        HttpResponse(),
        origins=["https://a.example", "https://b.example"],
    )

    assert frame_ancestors(response) == "https://a.example https://b.example"
    assert response.xframe_options_exempt
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert "form-action 'self'" in response["Content-Security-Policy"]


def test_with_no_origin_framing_stays_refused_by_both_headers():
    response = framing_allow(RequestFactory().get("/"), HttpResponse(), origins=[])

    assert frame_ancestors(response) == "'none'"
    assert not response.xframe_options_exempt  # XFrameOptionsMiddleware adds DENY


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"HTTP_ORIGIN": OURS}, True),
        ({"HTTP_ORIGIN": ELSEWHERE}, False),
        ({"HTTP_ORIGIN": "null"}, False),
        ({"HTTP_ORIGIN": "https://testserver"}, False),
        ({"HTTP_ORIGIN": ELSEWHERE, "HTTP_SEC_FETCH_SITE": "same-origin"}, False),
        ({"HTTP_ORIGIN": ELSEWHERE, "HTTP_REFERER": f"{OURS}/"}, False),
        ({"HTTP_SEC_FETCH_SITE": "same-origin"}, True),
        ({"HTTP_SEC_FETCH_SITE": "same-site"}, False),
        ({"HTTP_SEC_FETCH_SITE": "cross-site"}, False),
        ({"HTTP_SEC_FETCH_SITE": "none"}, False),
        ({"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_REFERER": f"{OURS}/"}, False),
        ({"HTTP_REFERER": f"{OURS}/petitions/x/embed/"}, True),
        ({"HTTP_REFERER": f"{ELSEWHERE}/"}, False),
        ({"HTTP_REFERER": "/petitions/x/embed/"}, False),
        ({}, False),
    ],
)
def test_the_first_header_the_browser_sent_decides(headers, allowed):
    assert same_origin_post(post(**headers)) is allowed


def test_behind_a_proxy_the_origin_is_the_one_the_browser_used(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["petition.example.org"]
    request = post(
        HTTP_HOST="petition.example.org",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_ORIGIN="https://petition.example.org",
    )

    assert same_origin_post(request)
    assert not same_origin_post(post(HTTP_HOST="petition.example.org", HTTP_ORIGIN=ELSEWHERE))


def test_the_origins_the_operator_trusts_for_csrf_are_trusted_here_too(settings):
    settings.CSRF_TRUSTED_ORIGINS = [
        "https://petition.example.org",
        "https://*.campaign.example.org",
    ]

    assert same_origin_post(post(HTTP_ORIGIN="https://petition.example.org"))
    assert same_origin_post(post(HTTP_ORIGIN="https://sign.campaign.example.org"))
    assert not same_origin_post(post(HTTP_ORIGIN="http://sign.campaign.example.org"))
    assert not same_origin_post(post(HTTP_ORIGIN="https://campaign.example.org.evil.net"))


def test_a_view_so_marked_skips_djangos_csrf_check_but_not_this_one(home):
    @same_origin_only
    def view(request):
        return HttpResponse("stored")

    assert view.csrf_exempt
    assert view(post(HTTP_ORIGIN=OURS)).content == b"stored"
    refused = view(post(HTTP_ORIGIN=ELSEWHERE))
    assert refused.status_code == 403
    assert b"Sorry, your form could not be sent" in refused.content
    assert view(RequestFactory().get("/")).status_code == 200
