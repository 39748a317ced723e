"""The contact form over HTTP: the inbox entry, the emails, and the spam checks that drop no one."""

from __future__ import annotations

import re
import time
from html import escape

import pytest
from django.core import mail, signing
from wagtail.models import Site

from tests.factories import WardFactory, WardTeamPageFactory
from undersigned.contact import spam
from undersigned.contact.models import Enquiry, EnquiryStatus
from undersigned.contact.services import EnquiryMessages
from undersigned.site.models import SiteSettings

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


def shown_value(html: str) -> str:
    return re.search(r'name="shown" value="([^"]*)"', html).group(1)


def post(client, page, data, capture):
    with capture(execute=True):
        return client.post(page.url, data)


def test_the_contact_page_shows_the_form_the_privacy_notice_and_the_phone_number(
    client, contact_page, settings
):
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.contact_phone = "020 7946 0491"
    site_settings.save()

    response = client.get(contact_page.url)

    assert response.status_code == 200
    html = html_of(response)
    for label in ("Your name", "Your email address", "Your postcode", "Your message"):
        assert label in html
    assert "How we use your details" in html
    assert "We use the details you give here only to answer your message" in html
    assert '<a class="contact-phone__number" href="tel:02079460491">020 7946 0491</a>' in html
    assert response["Cache-Control"] == "no-store"


def test_the_honeypot_is_hidden_labelled_out_of_the_tab_order_and_never_autofilled(
    client, contact_page
):
    html = html_of(client.get(contact_page.url))

    trap = re.search(r'<div class="visually-hidden">(.*?)</div>', html, re.S).group(1)
    assert "Leave this empty" in trap
    assert 'name="website"' in trap
    assert 'tabindex="-1"' in trap
    assert 'autocomplete="off"' in trap


def test_a_fresh_form_carries_a_signed_timestamp_of_when_it_was_shown(client, contact_page):
    token = shown_value(html_of(client.get(contact_page.url)))
    assert spam.form_timing(token=token, now=time.time() + 10) is spam.Timing.OK


def test_a_message_lands_in_the_inbox_as_new_with_its_ward_team_and_both_emails_go(
    client,
    contact_page,
    riverside,
    riverside_team,
    contact_data,
    django_capture_on_commit_callbacks,
):
    response = post(client, contact_page, contact_data, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == contact_page.thanks_url
    enquiry = Enquiry.objects.get()
    assert enquiry.status == EnquiryStatus.NEW
    assert enquiry.name == "Grace Hopper"
    assert enquiry.email == "grace@example.org"
    assert enquiry.postcode == "EB2 2DE"
    assert enquiry.ward == riverside
    assert enquiry.assigned_team.pk == riverside_team.pk
    notification, acknowledgement = sorted(
        mail.outbox, key=lambda m: m.to != ["riverside@example.org"]
    )
    assert notification.to == ["riverside@example.org"]
    assert notification.reply_to == ["grace@example.org"]
    assert contact_data["message"] in notification.body
    assert acknowledgement.to == ["grace@example.org"]
    assert "Riverside ward team" in acknowledgement.body


def test_the_acknowledgement_page_says_what_happens_next(client, contact_page):
    response = client.get(contact_page.thanks_url)
    assert response.status_code == 200
    html = html_of(response)
    assert "Thank you for your message" in html
    assert "What happens next" in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_filled_honeypot_gets_the_ordinary_thank_you_but_nothing_is_stored_or_sent(
    client, contact_page, riverside_team, contact_data, django_capture_on_commit_callbacks
):
    contact_data["website"] = "http://cheap-pills.example"

    response = post(client, contact_page, contact_data, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == contact_page.thanks_url
    assert Enquiry.objects.count() == 0
    assert mail.outbox == []


def test_a_submission_faster_than_a_person_can_type_is_not_stored_and_comes_back_filled_in(
    client, contact_page, riverside_team, contact_data, django_capture_on_commit_callbacks
):
    contact_data["shown"] = spam.form_shown_token(now=time.time() - 1)

    response = post(client, contact_page, contact_data, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert Enquiry.objects.count() == 0
    assert mail.outbox == []
    html = html_of(response)
    assert "Please send your message again" in html
    assert escape(str(EnquiryMessages.SEND_AGAIN)) in html
    assert escape(contact_data["message"]) in html
    assert 'value="Grace Hopper"' in html
    # The genuine start time is kept, so sending again a moment later goes through.
    assert shown_value(html) == contact_data["shown"]


@pytest.mark.parametrize(
    "stale_or_forged",
    [
        pytest.param(lambda: spam.form_shown_token(now=time.time() - 3 * 24 * 3600), id="expired"),
        pytest.param(
            lambda: signing.dumps(int(time.time()) - 60, salt="another-salt"), id="forged"
        ),
        pytest.param(lambda: "", id="missing"),
    ],
)
def test_a_person_with_a_stale_or_forged_timestamp_loses_nothing_and_can_send_again(
    client,
    contact_page,
    riverside_team,
    contact_data,
    django_capture_on_commit_callbacks,
    stale_or_forged,
):
    contact_data["shown"] = stale_or_forged()

    response = post(client, contact_page, contact_data, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert Enquiry.objects.count() == 0
    assert mail.outbox == []
    html = html_of(response)
    assert "Please send your message again" in html
    assert escape(contact_data["message"]) in html
    assert 'value="Grace@Example.org"' in html
    assert 'value="eb22de"' in html
    # A new timestamp replaces the bad one; once it is a few seconds old, sending works.
    fresh = shown_value(html)
    assert fresh != contact_data["shown"]
    assert spam.form_timing(token=fresh, now=time.time() + spam.MIN_SECONDS) is spam.Timing.OK

    resent = {**contact_data, "shown": spam.form_shown_token(now=time.time() - 10)}
    response = post(client, contact_page, resent, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Enquiry.objects.count() == 1
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "XX1 1XX", EnquiryMessages.POSTCODE_INVALID),
        ("postcode", "", EnquiryMessages.POSTCODE_MISSING),
        ("email", "grace.example.org", EnquiryMessages.EMAIL_INVALID),
        ("email", "", EnquiryMessages.EMAIL_MISSING),
        ("name", "   ", EnquiryMessages.NAME_MISSING),
        ("message", " \n \n ", EnquiryMessages.MESSAGE_MISSING),
        ("message", "x" * 5001, EnquiryMessages.MESSAGE_TOO_LONG),
    ],
)
def test_a_detail_that_is_missing_or_wrong_is_explained_and_the_rest_is_kept(
    client, contact_page, contact_data, field, value, message
):
    contact_data[field] = value

    response = client.post(contact_page.url, contact_data)

    assert response.status_code == 200
    assert Enquiry.objects.count() == 0
    html = html_of(response)
    assert "There is a problem" in html
    assert f'<li><a href="#id_{field}">{escape(str(message))}</a></li>' in html
    assert f'<p class="field-error" id="id_{field}_error">' in html
    control = re.search(rf'<(?:input|textarea)[^>]*id="id_{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in control
    assert f"id_{field}_error" in control  # aria-describedby ties the message to the input
    assert escape(contact_data["message"][:40]) in html or field == "message"
    assert "<title>Error:" in html


def test_the_ward_list_offers_only_wards_with_a_team_and_can_be_preselected_by_link(
    client, contact_page, riverside, riverside_team
):
    WardFactory(name="Nowhere Without A Team")

    html = html_of(client.get(contact_page.url, {"ward": riverside.code}))

    assert "Nowhere Without A Team" not in html
    assert f'<option value="{riverside.code}" selected>Riverside</option>' in html
    assert "I&#x27;m not sure" in html


def test_a_chosen_ward_routes_the_message_when_the_postcode_is_not_in_our_data(
    client,
    contact_page,
    riverside,
    riverside_team,
    contact_data,
    django_capture_on_commit_callbacks,
):
    contact_data.update(postcode="CR0 1NY", ward=riverside.code)

    post(client, contact_page, contact_data, django_capture_on_commit_callbacks)

    enquiry = Enquiry.objects.get()
    assert enquiry.ward == riverside
    assert enquiry.assigned_team.pk == riverside_team.pk


def test_a_ward_without_a_published_team_cannot_be_chosen(client, contact_page, contact_data):
    draft = WardTeamPageFactory(live=False)
    contact_data["ward"] = draft.ward.code

    response = client.post(contact_page.url, contact_data)

    assert Enquiry.objects.count() == 0
    assert escape(str(EnquiryMessages.WARD_INVALID)) in html_of(response)
