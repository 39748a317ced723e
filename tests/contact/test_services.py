"""The inbox services: taking in an enquiry, routing it, its emails, and the team's changes."""

from __future__ import annotations

import pytest
from django.core import mail
from wagtail.models import Site

from tests.factories import EnquiryFactory, WardFactory, WardTeamPageFactory
from undersigned.contact import emails, services
from undersigned.contact.models import Enquiry, EnquiryStatus
from undersigned.site.errors import ApplicationError
from undersigned.site.models import SiteSettings

pytestmark = pytest.mark.django_db


def create(**details) -> Enquiry:
    details = {
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "postcode": "EB2 2DE",
        "message": "The bins on Mill Lane have not been collected.",
        **details,
    }
    return services.enquiry_create(**details)


def site_settings() -> SiteSettings:
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def test_an_enquiry_is_stored_new_with_its_details_normalised(home, riverside, riverside_team):
    enquiry = create(
        name="  Grace \t Hopper ",
        email=" Grace@Example.ORG ",
        postcode="eb22de",
        message="Hello\r\n\r\n\r\n\r\nThe bins.\x00  ",
    )

    enquiry.refresh_from_db()
    assert enquiry.name == "Grace Hopper"
    assert enquiry.email == "grace@example.org"
    assert enquiry.postcode == "EB2 2DE"
    assert enquiry.message == "Hello\n\nThe bins."
    assert enquiry.status == EnquiryStatus.NEW
    assert enquiry.ward == riverside
    assert enquiry.assigned_team_id == riverside_team.pk


def test_the_emails_go_only_once_the_enquiry_is_committed(
    home, riverside_team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create()
        assert mail.outbox == []

    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "grace@example.org",
        "riverside@example.org",
    ]


def test_the_postcodes_ward_wins_over_a_ward_the_sender_chose(
    home, riverside, riverside_team, django_capture_on_commit_callbacks
):
    other_team = WardTeamPageFactory()

    enquiry = create(chosen_ward=other_team.ward)

    assert enquiry.ward == riverside
    assert enquiry.assigned_team_id == riverside_team.pk


def test_a_chosen_ward_routes_the_enquiry_when_the_postcode_is_unknown(home, riverside_team):
    enquiry = create(postcode="CR0 1NY", chosen_ward=riverside_team.ward)

    assert enquiry.ward == riverside_team.ward
    assert enquiry.assigned_team_id == riverside_team.pk


def test_an_enquiry_from_an_unknown_place_is_stored_without_a_ward_or_team(home, riverside_team):
    enquiry = create(postcode="CR0 1NY")

    assert enquiry.ward is None
    assert enquiry.assigned_team is None


def test_a_draft_team_page_is_not_given_enquiries(home, riverside, riverside_team):
    riverside_team.unpublish()

    enquiry = create()

    assert enquiry.ward == riverside
    assert enquiry.assigned_team is None


@pytest.mark.parametrize(
    ("team_email", "contact_email", "expected"),
    [
        ("riverside@example.org", "hello@example.org", "riverside@example.org"),
        ("", "hello@example.org", "hello@example.org"),
        ("", "", "noreply@localhost"),
    ],
)
def test_the_notification_goes_to_the_team_else_the_site_address_else_the_sender_address(
    home, riverside_team, settings, team_email, contact_email, expected
):
    settings.DEFAULT_FROM_EMAIL = "Undersigned <noreply@localhost>"
    riverside_team.team_email = team_email
    riverside_team.save()
    contact = site_settings()
    contact.contact_email = contact_email
    contact.save()

    assert (
        emails.enquiry_notification_recipient(
            team=riverside_team, site=Site.objects.get(is_default_site=True)
        )
        == expected
    )


def test_the_notification_holds_the_message_and_a_link_to_it_in_the_inbox(
    home, riverside_team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enquiry = create()

    notification = next(m for m in mail.outbox if m.to == ["riverside@example.org"])
    assert notification.subject == "[Riverside] New message from Grace Hopper"
    assert "Grace Hopper" in notification.body
    assert "grace@example.org" in notification.body
    assert "EB2 2DE" in notification.body
    assert enquiry.message in notification.body
    assert f"http://testserver/admin/inbox/messages/edit/{enquiry.pk}/" in notification.body
    assert "&#x27;" not in notification.body  # plain text, not HTML-escaped


def test_the_acknowledgement_says_what_happens_next_and_repeats_nothing_the_sender_typed(
    home, riverside_team, django_capture_on_commit_callbacks
):
    contact = site_settings()
    contact.contact_phone = "020 7946 0491"
    contact.contact_email = "hello@example.org"
    contact.save()

    with django_capture_on_commit_callbacks(execute=True):
        create(name="Visit cheap-pills.example", message="Buy now at cheap-pills.example")

    acknowledgement = next(m for m in mail.outbox if m.to == ["grace@example.org"])
    assert acknowledgement.subject == "We have received your message"
    assert "What happens next" in acknowledgement.body
    assert "reply to this email address" in acknowledgement.body
    assert "020 7946 0491" in acknowledgement.body
    assert "Riverside ward team" in acknowledgement.body
    assert "cheap-pills" not in acknowledgement.body
    assert "riverside@example.org" not in acknowledgement.body
    assert acknowledgement.reply_to == ["hello@example.org"]
    assert acknowledgement.content_subtype == "plain"


@pytest.mark.parametrize(
    ("detail", "value"),
    [("name", " "), ("email", "not-an-email"), ("postcode", "XX1 1XX"), ("message", "\n")],
)
def test_an_invalid_detail_is_refused_with_an_application_error(home, detail, value):
    with pytest.raises(ApplicationError):
        create(**{detail: value})
    assert Enquiry.objects.count() == 0


def test_routing_again_finds_a_team_published_after_the_enquiry_came_in(home, riverside):
    enquiry = create()
    assert enquiry.assigned_team is None
    team = WardTeamPageFactory(ward=riverside)

    services.enquiry_route(enquiry=enquiry)

    assert Enquiry.objects.get().assigned_team_id == team.pk


def test_the_status_moves_through_the_teams_workflow():
    enquiry = EnquiryFactory()
    for status in ("in_progress", "answered", "closed", "new"):
        enquiry = services.enquiry_status_set(enquiry=enquiry, status=status)
        assert Enquiry.objects.get().status == status


def test_an_unknown_status_is_refused():
    enquiry = EnquiryFactory()
    with pytest.raises(ApplicationError):
        services.enquiry_status_set(enquiry=enquiry, status="deleted")
    assert Enquiry.objects.get().status == EnquiryStatus.NEW


def test_the_team_can_reassign_and_take_notes_without_touching_what_the_sender_wrote(home):
    enquiry = EnquiryFactory()
    team = WardTeamPageFactory()

    services.enquiry_update(
        enquiry=enquiry, status="in_progress", assigned_team=team, notes="Called back.\r\n"
    )

    stored = Enquiry.objects.get()
    assert (stored.status, stored.assigned_team_id, stored.notes) == (
        "in_progress",
        team.pk,
        "Called back.",
    )
    assert (stored.name, stored.email, stored.message) == (
        enquiry.name,
        enquiry.email,
        enquiry.message,
    )


def test_a_ward_with_no_team_page_and_no_postcode_match_is_fine(home):
    ward = WardFactory()
    enquiry = create(postcode="CR0 1NY", chosen_ward=ward)
    assert enquiry.ward == ward
    assert enquiry.assigned_team is None
