"""The "Inbox" in the Wagtail admin: listing, filtering, searching and triaging messages."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.factories import EnquiryFactory, WardTeamPageFactory
from tests.html_forms import form_submit
from undersigned.contact.models import Enquiry, EnquiryStatus

pytestmark = pytest.mark.django_db

INDEX = "contact_enquiry:index"


def listed(admin_client, **params) -> str:
    response = admin_client.get(reverse(INDEX), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_inbox_is_its_own_menu_group_with_the_messages_in_it(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Inbox" in html
    assert reverse(INDEX) in html


def test_the_inbox_lists_messages_with_their_ward_team_and_status(admin_client, home):
    team = WardTeamPageFactory(title="Riverside")
    EnquiryFactory(name="Grace Hopper", assigned_team=team, status=EnquiryStatus.IN_PROGRESS)

    html = listed(admin_client)

    assert "Grace Hopper" in html
    assert "Riverside" in html
    assert "In progress" in html


def test_the_inbox_filters_by_status_and_by_ward_team(admin_client, home):
    riverside = WardTeamPageFactory(title="Riverside")
    old_town = WardTeamPageFactory(title="Old Town")
    EnquiryFactory(name="Grace Hopper", assigned_team=riverside)
    EnquiryFactory(name="Alan Turing", assigned_team=old_town, status=EnquiryStatus.ANSWERED)

    answered = listed(admin_client, status="answered")
    assert "Alan Turing" in answered
    assert "Grace Hopper" not in answered

    by_team = listed(admin_client, assigned_team=riverside.pk)
    assert "Grace Hopper" in by_team
    assert "Alan Turing" not in by_team


def test_the_inbox_filters_by_date_received(admin_client):
    EnquiryFactory(name="Grace Hopper", created_at=timezone.now() - datetime.timedelta(days=40))
    EnquiryFactory(name="Alan Turing")
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()

    recent = listed(admin_client, created_at_from=since)

    assert "Alan Turing" in recent
    assert "Grace Hopper" not in recent


@pytest.mark.parametrize("query", ["Hopper", "grace@example", "street lights"])
def test_the_inbox_searches_names_emails_and_messages(admin_client, query):
    EnquiryFactory(name="Grace Hopper", email="grace@example.org")
    EnquiryFactory(name="Alan Turing", email="alan@example.org", message="Potholes.")

    html = listed(admin_client, q=query)

    assert "Grace Hopper" in html
    assert "Alan Turing" not in html


def test_changing_the_status_assigns_a_team_and_keeps_notes_but_never_the_senders_words(
    admin_client, home
):
    enquiry = EnquiryFactory(name="Grace Hopper", email="grace@example.org")
    team = WardTeamPageFactory(title="Riverside")
    edit = reverse("contact_enquiry:edit", args=[enquiry.pk])
    form = admin_client.get(edit).content.decode()
    assert "Grace Hopper" in form
    assert enquiry.message in form
    assert 'name="message"' not in form
    assert 'name="email"' not in form

    response = form_submit(
        admin_client,
        edit,
        {
            "status": "answered",
            "assigned_team": team.pk,
            "notes": "Phoned back on Tuesday.",
            # Not fields of the form: ignored even when sent.
            "name": "Someone Else",
            "email": "someone@example.org",
            "message": "Changed.",
        },
    )

    assert response.status_code == 302
    stored = Enquiry.objects.get()
    assert stored.status == EnquiryStatus.ANSWERED
    assert stored.assigned_team_id == team.pk
    assert stored.notes == "Phoned back on Tuesday."
    assert (stored.name, stored.email, stored.message) == (
        "Grace Hopper",
        "grace@example.org",
        enquiry.message,
    )


def test_messages_cannot_be_added_by_hand(admin_client):
    html = listed(admin_client)
    assert "/admin/inbox/messages/new/" not in html
    assert admin_client.get("/admin/inbox/messages/new/").status_code == 404


def test_someone_without_inbox_permissions_cannot_read_the_inbox(client, db):
    user = get_user_model().objects.create_user("volunteer", "v@example.org", "pw")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    EnquiryFactory(name="Grace Hopper")

    response = client.get(reverse(INDEX))

    assert "Grace Hopper" not in response.content.decode()
    assert response.status_code in (302, 403)
