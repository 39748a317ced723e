"""The hand-in admin page: building packs, downloading them only with permission, handing in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import HandinPackFactory
from tests.html_forms import find_form, form_submit, post_with_page_token
from undersigned.handin import build
from undersigned.handin.models import HandinPack, HandinPackState
from undersigned.petitions.models import PetitionPage, PetitionState


@pytest.fixture
def ready_pack(signed_petition):
    return build.handin_pack_build(pack=HandinPackFactory(petition=signed_petition))


def download_url(pack: HandinPack, kind: str = "pdf") -> str:
    return reverse("handin_admin:download", args=[pack.pk, kind])


def refused(response) -> bool:
    """Wagtail answers a refused admin request with a redirect to the dashboard, no file."""
    return (
        response.status_code == 302
        and response.url == reverse("wagtailadmin_home")
        and not getattr(response, "streaming", False)
    )


def test_the_hand_in_page_offers_to_build_a_pack_and_to_mark_it_handed_in(
    admin_client, signed_petition
):
    response = admin_client.get(reverse("handin_admin:petition", args=[signed_petition.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Build hand-in pack" in html
    assert 'name="include_addresses"' in html
    assert "Mark as handed in" in html
    assert 'http-equiv="refresh"' not in html


def test_the_page_reloads_itself_while_a_pack_is_being_built(admin_client, signed_petition):
    HandinPackFactory(petition=signed_petition, state=HandinPackState.BUILDING, rows_total=10)
    html = admin_client.get(reverse("handin_admin:petition", args=[signed_petition.pk])).content
    assert b'<meta http-equiv="refresh" content="5">' in html
    assert b"<progress" in html


def test_building_from_the_admin_runs_the_task_and_lists_the_downloads(
    admin_client, signed_petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = form_submit(
            admin_client,
            reverse("handin_admin:petition", args=[signed_petition.pk]),
            {"include_addresses": "on"},
            action=reverse("handin_admin:build", args=[signed_petition.pk]),
        )
    assert response.status_code == 302
    pack = HandinPack.objects.get()
    assert pack.include_addresses
    assert pack.state == HandinPackState.READY
    html = admin_client.get(response.url).content.decode()
    assert download_url(pack, "pdf") in html
    assert download_url(pack, "csv") in html
    assert "Ready: 3 signatories" in html


def test_an_organiser_with_permission_downloads_the_pack(admin_client, ready_pack):
    response = admin_client.get(download_url(ready_pack, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    csv = admin_client.get(download_url(ready_pack, "csv"))
    assert b"".join(csv.streaming_content).decode("utf-8-sig").startswith("number,name")


def test_anonymous_visitors_cannot_download_a_pack(client, ready_pack):
    response = client.get(download_url(ready_pack))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response.url


def test_an_admin_user_without_the_hand_in_permission_cannot_download_a_pack(
    client, volunteer, ready_pack
):
    client.force_login(volunteer)
    assert refused(client.get(download_url(ready_pack)))
    assert refused(client.get(download_url(ready_pack, "csv")))
    assert refused(client.get(reverse("handin_admin:petition", args=[ready_pack.petition_id])))


def test_the_view_permission_is_enough_to_download_but_not_to_build(volunteer, ready_pack):
    volunteer.user_permissions.add(Permission.objects.get(codename="view_handinpack"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    assert client.get(download_url(ready_pack, "csv")).status_code == 200
    build = reverse("handin_admin:build", args=[ready_pack.petition_id])
    petition_page = reverse("handin_admin:petition", args=[ready_pack.petition_id])
    assert build not in client.get(petition_page).content.decode()
    assert refused(post_with_page_token(client, petition_page, build))
    assert HandinPack.objects.count() == 1


def test_a_pack_that_is_not_ready_has_nothing_to_download(admin_client, signed_petition):
    pack = HandinPackFactory(petition=signed_petition)
    assert admin_client.get(download_url(pack)).status_code == 404


def test_pack_files_are_kept_outside_the_public_media_folder(ready_pack, private_root):
    path = Path(ready_pack.pdf_file.path)
    assert path.is_relative_to(private_root)
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="no public URL"):
        ready_pack.pdf_file.url  # noqa: B018


def test_marking_handed_in_from_the_admin_records_it_and_refuses_a_second_time(
    admin_client, signed_petition
):
    page = reverse("handin_admin:petition", args=[signed_petition.pk])
    url = reverse("handin_admin:hand_in", args=[signed_petition.pk])
    form = find_form(admin_client.get(page).content.decode(), page, action=url)
    today = timezone.localdate().isoformat()
    response = admin_client.post(
        form.action, {**form.values(), "handed_in_on": today, "handed_in_to": "the Mayor"}
    )
    assert response.status_code == 302
    petition = PetitionPage.objects.get(pk=signed_petition.pk)
    assert petition.state == PetitionState.HANDED_IN
    assert petition.handed_in_to == "the Mayor"

    # The same form, sent again from a tab left open.
    again = admin_client.post(
        form.action,
        {**form.values(), "handed_in_on": today, "handed_in_to": "a clerk"},
        follow=True,
    )
    assert "already handed in" in again.content.decode()
    assert PetitionPage.objects.get(pk=signed_petition.pk).handed_in_to == "the Mayor"


def test_a_hand_in_without_a_recipient_comes_back_with_a_message(admin_client, signed_petition):
    response = form_submit(
        admin_client,
        reverse("handin_admin:petition", args=[signed_petition.pk]),
        {"handed_in_on": timezone.localdate().isoformat(), "handed_in_to": ""},
        action=reverse("handin_admin:hand_in", args=[signed_petition.pk]),
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert PetitionPage.objects.get(pk=signed_petition.pk).state == PetitionState.OPEN


def test_deleting_a_pack_removes_it_and_its_files(admin_client, ready_pack):
    path = Path(ready_pack.csv_file.path)
    response = form_submit(
        admin_client,
        reverse("handin_admin:petition", args=[ready_pack.petition_id]),
        action=reverse("handin_admin:delete", args=[ready_pack.pk]),
    )
    assert response.status_code == 302
    assert not HandinPack.objects.exists()
    assert not path.exists()


def test_the_petitions_overview_and_menu_link_to_the_hand_in_pages(admin_client, signed_petition):
    overview = admin_client.get(reverse("petitions_admin:overview")).content.decode()
    assert reverse("handin_admin:petition", args=[signed_petition.pk]) in overview
    assert reverse("handin_admin:index") in overview  # the Petitions menu's "Hand-in" item
    index = admin_client.get(reverse("handin_admin:index")).content.decode()
    assert signed_petition.title in index


def test_packs_cannot_be_downloaded_once_signers_personal_data_is_removed(admin_client, ready_pack):
    PetitionPage.objects.filter(pk=ready_pack.petition_id).update(
        personal_data_purged_at=timezone.now()
    )
    assert admin_client.get(download_url(ready_pack)).status_code == 404
    page = admin_client.get(reverse("handin_admin:petition", args=[ready_pack.petition_id]))
    assert download_url(ready_pack) not in page.content.decode()
