"""The privacy notice at /privacy/: written from the site settings, linked from every form."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Site

from tests.factories import ContactPageFactory
from undersigned.site.models import SiteSettings


@pytest.fixture
def site_settings(home):
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def test_the_notice_lives_at_a_fixed_address(client, home):
    assert reverse("privacy:notice") == "/privacy/"
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert "<h1>Privacy notice</h1>" in response.content.decode()


def test_the_notice_names_the_controller_and_the_retention_period_from_the_settings(
    client, site_settings
):
    site_settings.data_controller = "Northfield Residents Association"
    site_settings.privacy_contact_email = "privacy@northfield.example"
    site_settings.retention_months = 9
    site_settings.save()

    html = client.get("/privacy/").content.decode()

    assert "Northfield Residents Association is the data controller" in html
    assert 'href="mailto:privacy@northfield.example"' in html
    assert "removed 9 months after the petition is handed in" in html
    assert "deleted 9 months after we have finished dealing with them" in html


def test_the_organisation_is_the_controller_and_its_email_the_contact_unless_set(
    client, site_settings
):
    site_settings.organisation_name = "Example Borough Residents"
    site_settings.contact_email = "hello@example.org"
    site_settings.save()

    html = client.get("/privacy/").content.decode()

    assert "Example Borough Residents is the data controller" in html
    assert 'href="mailto:hello@example.org"' in html
    assert "removed 6 months after" in html


def test_without_an_email_the_notice_points_to_the_contact_form(client, site_settings):
    contact = ContactPageFactory()

    html = client.get("/privacy/").content.decode()

    assert f'href="{contact.url}"' in html


def test_the_notice_explains_purposes_rights_and_the_regulator(client, home):
    html = client.get("/privacy/").content.decode()

    for words in [
        "Presenting the petition",
        "only if you ask us to",
        "Answering your message",
        "See what we hold about you",
        "Have it deleted.",
        "Stop the updates",
        "https://ico.org.uk/make-a-complaint/",
    ]:
        assert words in html


def test_the_sign_form_links_to_the_notice(client, petition):
    html = client.get(petition.url).content.decode()
    promise = html.split('class="privacy-promise"', 1)[1].split("</aside>", 1)[0]
    assert 'href="/privacy/"' in promise


def test_the_contact_form_links_to_the_notice(client, home):
    contact = ContactPageFactory()
    html = client.get(contact.url).content.decode()
    notice = html.split('class="privacy-promise contact-privacy"', 1)[1].split("</section>")[0]
    assert 'href="/privacy/"' in notice


def test_every_page_links_to_the_notice_from_its_footer(client, home):
    html = client.get(home.url).content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert 'href="/privacy/"' in footer


def test_the_notice_says_updates_wait_for_a_confirmed_address_and_when_the_list_forgets(
    client, home
):
    html = " ".join(client.get("/privacy/").content.decode().split())

    assert "one email asking you to confirm that the address is yours" in html
    assert "If you do not confirm within 7 days, we send nothing more." in html
    assert "your entry on our list of supporters is deleted 30 days later" in html
