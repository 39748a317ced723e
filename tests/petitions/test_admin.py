"""The organisers' side in the Wagtail admin: overview, signature list, moderation, closing."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from tests.factories import PetitionPageFactory, SignatureFactory
from tests.html_forms import form_submit, post_with_page_token
from undersigned.petitions import selectors
from undersigned.petitions.models import PetitionPage, PetitionState, SignatureState


def test_overview_lists_each_petition_with_its_count_and_progress(admin_client, petition):
    SignatureFactory.create_batch(3, petition=petition)
    SignatureFactory(petition=petition, state=SignatureState.DUPLICATE)
    response = admin_client.get(reverse("petitions_admin:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert petition.title in html
    assert "<strong>3</strong> / 100" in html
    assert 'value="3"' in html


def test_signature_list_can_be_searched_and_filtered_by_state(admin_client, petition):
    SignatureFactory(petition=petition, name="Grace Hopper")
    SignatureFactory(petition=petition, name="Alan Turing", state=SignatureState.DUPLICATE)
    index = reverse("petitions_signature:index")

    searched = admin_client.get(index, {"q": "Hopper"}).content.decode()
    assert "Grace Hopper" in searched
    assert "Alan Turing" not in searched

    duplicates = admin_client.get(index, {"state": "duplicate"}).content.decode()
    assert "Alan Turing" in duplicates
    assert "Grace Hopper" not in duplicates


def test_signatures_cannot_be_added_or_edited_by_hand(admin_client, petition):
    signature = SignatureFactory(petition=petition)
    html = admin_client.get(reverse("petitions_signature:index")).content.decode()
    assert "/edit/" not in html
    inspect = admin_client.get(reverse("petitions_signature:inspect", args=[signature.pk]))
    assert inspect.status_code == 200
    assert signature.email in inspect.content.decode()


def test_invalidating_a_signature_stops_it_counting_and_restoring_counts_it_again(
    admin_client, petition
):
    signature = SignatureFactory(petition=petition)
    SignatureFactory(petition=petition)
    assert selectors.signature_count(petition=petition) == 2
    listing = reverse("petitions_signature:index") + f"?petition={petition.pk}"

    invalidate = reverse("petitions_admin:moderate", args=[signature.pk, "invalidate"])
    response = form_submit(admin_client, listing, action=invalidate, follow=True)
    assert response.redirect_chain[0][0] == listing
    assert "The signature no longer counts." in response.content.decode()
    signature.refresh_from_db()
    assert signature.state == SignatureState.INVALIDATED
    assert selectors.signature_count(petition=petition) == 1

    restore = reverse("petitions_admin:moderate", args=[signature.pk, "restore"])
    response = form_submit(admin_client, listing, action=restore, follow=True)
    assert "The signature counts again." in response.content.decode()
    signature.refresh_from_db()
    assert signature.state == SignatureState.COUNTED
    assert selectors.signature_count(petition=petition) == 2


def test_a_signature_held_back_as_suspect_can_be_restored_from_the_list(admin_client, petition):
    suspect = SignatureFactory(petition=petition, state=SignatureState.SUSPECT)
    listing = reverse("petitions_signature:index") + f"?petition={petition.pk}"
    restore = reverse("petitions_admin:moderate", args=[suspect.pk, "restore"])
    assert form_submit(admin_client, listing, action=restore).status_code == 302
    suspect.refresh_from_db()
    assert suspect.state == SignatureState.COUNTED
    assert selectors.signature_count(petition=petition) == 1


def test_a_duplicate_offers_no_restore_and_cannot_be_restored_into_the_count(
    admin_client, petition
):
    duplicate = SignatureFactory(petition=petition, state=SignatureState.DUPLICATE)
    listing = reverse("petitions_signature:index")
    restore = reverse("petitions_admin:moderate", args=[duplicate.pk, "restore"])
    assert restore not in admin_client.get(listing).content.decode()

    post_with_page_token(admin_client, listing, restore)
    duplicate.refresh_from_db()
    assert duplicate.state == SignatureState.DUPLICATE


def test_moderation_needs_a_post(admin_client, petition):
    signature = SignatureFactory(petition=petition)
    url = reverse("petitions_admin:moderate", args=[signature.pk, "invalidate"])
    assert admin_client.get(url).status_code == 405
    signature.refresh_from_db()
    assert signature.state == SignatureState.COUNTED


def test_closing_a_petition_asks_first_then_stops_signing(admin_client, petition):
    url = reverse("petitions_admin:close", args=[petition.pk])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert "Yes, close the petition" in confirm.content.decode()
    assert PetitionPage.objects.get(pk=petition.pk).state == PetitionState.OPEN

    response = form_submit(admin_client, url)
    assert response.status_code == 302
    closed = PetitionPage.objects.get(pk=petition.pk)
    assert closed.state == PetitionState.CLOSED
    assert closed.closed_at is not None
    assert not closed.is_accepting_signatures()


def test_an_editor_without_signature_permissions_sees_neither_signatures_nor_moderation(petition):
    editor = get_user_model().objects.create_user("editor", "e@example.org", "pw")
    group = Group.objects.create(name="Writers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    signature = SignatureFactory(petition=petition)

    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    overview = client.get(reverse("petitions_admin:overview"))
    assert overview.status_code == 302
    assert petition.title not in overview.content.decode()
    moderate = reverse("petitions_admin:moderate", args=[signature.pk, "invalidate"])
    refused = post_with_page_token(client, reverse("wagtailadmin_home"), moderate)
    assert refused.status_code == 302
    signature.refresh_from_db()
    assert signature.state == SignatureState.COUNTED


def test_the_petitions_menu_group_offers_the_overview_and_signatures(admin_client, petition):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("petitions_admin:overview") in html
    assert reverse("petitions_signature:index") in html


def test_another_petitions_signatures_can_be_filtered_out(admin_client, home):
    first, second = PetitionPageFactory(), PetitionPageFactory()
    SignatureFactory(petition=first, name="Only First")
    SignatureFactory(petition=second, name="Only Second")
    html = admin_client.get(
        reverse("petitions_signature:index"), {"petition": first.pk}
    ).content.decode()
    assert "Only First" in html
    assert "Only Second" not in html
