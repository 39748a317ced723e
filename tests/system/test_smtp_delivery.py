"""Emails through a real SMTP server: confirm, receive an update, unsubscribe, hear no more.

The site's own SMTP backend talks to an SMTP server on loopback (``tests.system.smtp``);
background tasks run as they are queued (the test settings' immediate backend), after each
commit, so every message here went through the queue, the task and the mail relay.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from tests.factories import PostcodeFactory, WardFactory
from tests.html_forms import form_submit
from tests.signing import sign
from tests.system.smtp import body_text, smtp_server
from undersigned.supporters import services
from undersigned.supporters.models import Supporter, SupporterStatus

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


@pytest.fixture
def mailbox():
    with (
        smtp_server() as (mailbox, port),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_TIMEOUT=10,
        ),
    ):
        yield mailbox


def path_of(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return url.removeprefix(BASE)


def sign_and_confirm(petition, email: str, capture, mailbox) -> Supporter:
    """Sign with the box ticked, read the one confirmation email, press its page's button."""
    with capture(execute=True):
        sign(
            petition,
            name=email.split("@")[0].title(),
            postcode="CR0 1NY",
            email=email,
            wants_updates=True,
        )
    (confirmation,) = mailbox.wait_for(1, to=email)
    assert confirmation["Subject"].startswith("Please confirm")
    text = body_text(confirmation)
    assert petition.title in text and "7 days" in text
    (link,) = set(re.findall(r"https?://\S+/supporters/confirm/\S+/", text))
    assert email not in link
    assert link in confirmation.get_body(preferencelist=("html",)).get_content()

    page = form_submit(Client(enforce_csrf_checks=True), path_of(link), {})

    assert "your email address is confirmed" in page.content.decode()
    supporter = Supporter.objects.get(email=email)
    assert supporter.status == SupporterStatus.CONFIRMED
    return supporter


def send_update(petition, organiser, subject: str, capture) -> None:
    update = services.petition_update_create(
        petition=petition, subject=subject, body="Thank you for signing.", created_by=organiser
    )
    with capture(execute=True):
        services.petition_update_send(update=update, user=organiser)


def test_confirm_receive_an_update_unsubscribe_in_one_click_and_receive_nothing_more(
    petition, organiser, mailbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    PostcodeFactory(postcode="CR0 1NY", ward=WardFactory(name="Fairfield"))
    sign_and_confirm(petition, "ada@example.org", capture, mailbox)
    sign_and_confirm(petition, "bo@example.org", capture, mailbox)

    send_update(petition, organiser, "We handed it in", capture)

    (_confirmation, update) = mailbox.wait_for(2, to="ada@example.org")
    assert update["Subject"] == "We handed it in"
    assert "Thank you for signing." in body_text(update)
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A long header arrives folded: unfold it, as a mail program does.
    unsubscribe = "".join(str(update["List-Unsubscribe"]).split()).strip("<>")
    assert "ada" not in unsubscribe
    assert unsubscribe in body_text(update)

    # What a mail program's "Unsubscribe" button sends (RFC 8058): no cookie, no CSRF token.
    answer = Client(enforce_csrf_checks=True).post(
        path_of(unsubscribe),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    assert Supporter.objects.get(email="ada@example.org").status == SupporterStatus.UNSUBSCRIBED

    send_update(petition, organiser, "The council replied", capture)

    bo = mailbox.wait_for(3, to="bo@example.org")
    assert [m["Subject"] for m in bo[1:]] == ["We handed it in", "The council replied"]
    assert [m["Subject"] for m in mailbox.messages(to="ada@example.org")][1:] == ["We handed it in"]
