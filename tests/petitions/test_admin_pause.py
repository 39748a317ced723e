"""The per-petition kill switch: "Pause signing" and "Resume signing" in the admin overview."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from tests.factories import PetitionPageFactory
from tests.html_forms import form_submit, post_with_page_token
from undersigned.abuse.models import AbuseSettings
from undersigned.petitions import services
from undersigned.petitions.models import PetitionPage, PetitionState

pytestmark = pytest.mark.django_db


def overview(client) -> str:
    return client.get(reverse("petitions_admin:overview")).content.decode()


def test_an_open_petition_has_a_pause_button_that_posts(admin_client, petition):
    html = overview(admin_client)

    pause = reverse("petitions_admin:pause", args=[petition.pk])
    assert f'<form class="w-inline-block" method="post" action="{pause}">' in html
    assert "Pause signing</button>" in html


def test_pausing_publishes_the_switch_and_the_page_shows_the_message(
    admin_client, client, petition
):
    response = form_submit(
        admin_client,
        reverse("petitions_admin:overview"),
        action=reverse("petitions_admin:pause", args=[petition.pk]),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("petitions_admin:overview")
    stored = PetitionPage.objects.get(pk=petition.pk)
    assert stored.signing_paused
    assert stored.live_revision.as_object().signing_paused
    assert not stored.has_unpublished_changes
    html = overview(admin_client)
    assert "signing paused" in html
    assert "Resume signing</button>" in html
    assert "Signing is paused on" in html  # the success message
    public = client.get(petition.url).content.decode()
    assert "Signing is paused" in public
    assert 'class="sign-form"' not in public


def test_resuming_brings_the_form_back(admin_client, client, home):
    petition = PetitionPageFactory(signing_paused=True)

    form_submit(
        admin_client,
        reverse("petitions_admin:overview"),
        action=reverse("petitions_admin:resume", args=[petition.pk]),
    )

    assert not PetitionPage.objects.get(pk=petition.pk).signing_paused
    assert 'class="sign-form"' in client.get(petition.url).content.decode()


def test_the_buttons_take_only_post(admin_client, petition):
    response = admin_client.get(reverse("petitions_admin:pause", args=[petition.pk]))

    assert response.status_code == 405
    assert not PetitionPage.objects.get(pk=petition.pk).signing_paused


def test_someone_who_may_not_publish_the_petition_cannot_pause_it(petition):
    viewer = get_user_model().objects.create_user("viewer", "v@example.org", "pw")
    group = Group.objects.create(name="Signature viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_signature"),
    )
    viewer.groups.add(group)
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)

    assert "Pause signing" not in overview(client)
    response = post_with_page_token(
        client,
        reverse("petitions_admin:overview"),
        reverse("petitions_admin:pause", args=[petition.pk]),
    )

    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not PetitionPage.objects.get(pk=petition.pk).signing_paused


def test_a_closed_petition_has_no_pause_button(admin_client, home):
    PetitionPageFactory(state=PetitionState.CLOSED)

    assert "Pause signing" not in overview(admin_client)


def test_the_overview_says_when_signing_is_paused_on_the_whole_site(admin_client, petition):
    settings = AbuseSettings.load()
    settings.signing_paused = True
    settings.save()

    html = overview(admin_client)

    assert "Signing is paused on every petition." in html
    assert reverse("wagtailsettings:edit", args=["abuse", "abusesettings"]) in html


# The service behind the buttons


def test_pausing_keeps_a_waiting_draft_unpublished_and_paused_too(petition, organiser):
    draft = petition.get_latest_revision_as_object()
    draft.summary = "A new summary, not ready yet."
    draft.save_revision(user=organiser)

    services.petition_signing_pause(petition, paused=True, message="Back soon.", user=organiser)

    live = PetitionPage.objects.get(pk=petition.pk)
    assert live.signing_paused
    assert live.signing_paused_message == "Back soon."
    assert live.summary != "A new summary, not ready yet."  # the draft did not go live
    assert live.has_unpublished_changes
    waiting = live.get_latest_revision_as_object()
    assert waiting.summary == "A new summary, not ready yet."
    assert waiting.signing_paused  # so publishing the draft later keeps the pause
    assert waiting.signing_paused_message == "Back soon."


def test_pausing_without_a_message_keeps_the_one_already_written(home):
    petition = PetitionPageFactory(signing_paused_message="Our words.")

    paused = services.petition_signing_pause(petition, paused=True)

    assert paused.signing_paused
    assert paused.signing_paused_message == "Our words."


def test_pausing_a_paused_petition_publishes_nothing_new(home):
    petition = PetitionPageFactory(signing_paused=True)
    petition.save_revision().publish()
    revisions = petition.revisions.count()

    services.petition_signing_pause(petition, paused=True)

    assert petition.revisions.count() == revisions
