"""The demo's "Contact us" page loads once, however often the loader runs."""

from __future__ import annotations

import pytest

from undersigned.contact.demo import contact_demo_load
from undersigned.contact.models import ContactPage

pytestmark = pytest.mark.django_db


def test_the_contact_demo_adds_one_published_contact_page_shown_in_the_menu(client, home):
    contact_demo_load(home=home)
    contact_demo_load(home=home)

    page = ContactPage.objects.get()
    assert page.live
    assert page.show_in_menus
    assert client.get(page.url).status_code == 200
