"""The Organisers group: made by migrate, idempotent, and enough to run a campaign without being
a superuser."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from tests.factories import (
    EnquiryFactory,
    InvalidationRuleFactory,
    PetitionUpdateFactory,
    SignatureFactory,
    news_index,
)
from tests.html_forms import form_submit, form_submit_on
from undersigned.abuse.models import AbuseSettings, InvalidationRule
from undersigned.site.organisers import ORGANISERS_GROUP_NAME


def _granted(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_migrate_makes_the_organisers_group_with_each_apps_permissions(db):
    group = Group.objects.get(name=ORGANISERS_GROUP_NAME)
    assert {
        "wagtailadmin.access_admin",
        "site.change_sitesettings",
        "petitions.view_signature",
        "petitions.moderate_signature",
        "contact.change_enquiry",
        "supporters.send_petitionupdate",
        "supporters.add_erasurerecord",
        "handin.add_handinpack",
        "abuse.change_abusesettings",
    } <= _granted(group)
    root = Page.objects.get(depth=1)
    assert {
        "add_page",
        "change_page",
        "publish_page",
    } <= set(
        GroupPagePermission.objects.filter(group=group, page=root).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_image", "choose_image", "add_document", "choose_document"} <= set(
        GroupCollectionPermission.objects.filter(
            group=group, collection=Collection.get_first_root_node()
        ).values_list("permission__codename", flat=True)
    )


def test_running_migrate_again_changes_nothing_in_the_group(db):
    group = Group.objects.get(name=ORGANISERS_GROUP_NAME)
    before = (
        _granted(group),
        GroupPagePermission.objects.filter(group=group).count(),
        GroupCollectionPermission.objects.filter(group=group).count(),
    )
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert Group.objects.filter(name=ORGANISERS_GROUP_NAME).count() == 1
    assert before == (
        _granted(group),
        GroupPagePermission.objects.filter(group=group).count(),
        GroupCollectionPermission.objects.filter(group=group).count(),
    )


def test_a_permission_an_operator_took_away_comes_back_on_the_next_migrate(db):
    group = Group.objects.get(name=ORGANISERS_GROUP_NAME)
    group.permissions.remove(*group.permissions.filter(codename="moderate_signature"))
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert "petitions.moderate_signature" in _granted(group)


@pytest.fixture
def campaign(petition):
    signature = SignatureFactory(petition=petition)
    return {
        "petition": petition,
        "signature": signature,
        "rule": InvalidationRuleFactory(petition=petition),
        "update": PetitionUpdateFactory(petition=petition),
        "enquiry": EnquiryFactory(),
        "news": news_index(),
    }


SCREENS = {
    "dashboard": lambda c: reverse("wagtailadmin_home"),
    "page tree": lambda c: reverse("wagtailadmin_explore", args=[c["petition"].get_parent().pk]),
    "new petition": lambda c: reverse(
        "wagtailadmin_pages:add", args=["petitions", "petitionpage", c["petition"].get_parent().pk]
    ),
    "petition editor": lambda c: reverse("wagtailadmin_pages:edit", args=[c["petition"].pk]),
    "new story": lambda c: reverse(
        "wagtailadmin_pages:add", args=["news", "newsstorypage", c["news"].pk]
    ),
    "images": lambda c: reverse("wagtailimages:index"),
    "image upload": lambda c: reverse("wagtailimages:add"),
    "documents": lambda c: reverse("wagtaildocs:index"),
    "document upload": lambda c: reverse("wagtaildocs:add"),
    "site settings": lambda c: reverse("wagtailsettings:edit", args=["site", "sitesettings"]),
    "abuse settings": lambda c: reverse("wagtailsettings:edit", args=["abuse", "abusesettings"]),
    "petitions overview": lambda c: reverse("petitions_admin:overview"),
    "signatures": lambda c: reverse("petitions_signature:index"),
    "signature": lambda c: reverse("petitions_signature:inspect", args=[c["signature"].pk]),
    "support by area": lambda c: reverse("petitions_admin:support", args=[c["petition"].pk]),
    "close petition": lambda c: reverse("petitions_admin:close", args=[c["petition"].pk]),
    "trending and rules": lambda c: reverse("abuse_admin:index"),
    "petition rules": lambda c: reverse("abuse_admin:rules", args=[c["petition"].pk]),
    "rule": lambda c: reverse("abuse_admin:rule", args=[c["rule"].pk]),
    "hand-in": lambda c: reverse("handin_admin:index"),
    "petition hand-in": lambda c: reverse("handin_admin:petition", args=[c["petition"].pk]),
    "updates": lambda c: reverse("supporters_update:index"),
    "new update": lambda c: reverse("supporters_update:add"),
    "update preview": lambda c: reverse("supporters_update:inspect", args=[c["update"].pk]),
    "delete a draft update": lambda c: reverse("supporters_update:delete", args=[c["update"].pk]),
    "consent ledger": lambda c: reverse("supporters_consent:index"),
    "organiser unsubscribe": lambda c: reverse("supporters_admin:unsubscribe"),
    "privacy search": lambda c: reverse("privacy_admin:search") + "?email=a@example.org",
    "inbox": lambda c: reverse("contact_enquiry:index"),
    "enquiry": lambda c: reverse("contact_enquiry:edit", args=[c["enquiry"].pk]),
}


@pytest.mark.parametrize("screen", SCREENS)
def test_an_organiser_who_is_not_a_superuser_can_open_every_screen(
    admin_client, organiser, campaign, screen
):
    assert not organiser.is_superuser
    url = SCREENS[screen](campaign)
    response = admin_client.get(url, follow=True)
    assert response.status_code == 200, f"{screen}: {url} answered {response.status_code}"
    # Wagtail answers a refusal with a redirect to the dashboard; settings go to the site's own.
    assert response.request["PATH_INFO"].startswith(url.split("?")[0]), response.redirect_chain


def test_an_organiser_pauses_signing_everywhere_in_the_abuse_settings(admin_client, petition):
    settings_url = reverse("wagtailsettings:edit", args=["abuse", "abusesettings"])
    page = admin_client.get(settings_url, follow=True)
    response = form_submit_on(
        admin_client, page, {"signing_paused": "on"}, action=page.request["PATH_INFO"]
    )
    assert response.status_code == 302
    assert AbuseSettings.load().signing_paused
    overview = admin_client.get(reverse("petitions_admin:overview")).content.decode()
    assert "Signing is paused on every petition." in overview


def test_an_organiser_makes_an_invalidation_rule(admin_client, organiser, petition):
    response = form_submit(
        admin_client,
        reverse("abuse_admin:rules", args=[petition.pk]),
        {"kind": "ip_hash", "value": "bot", "note": "One connection, hundreds of names"},
    )
    assert response.status_code == 302
    assert InvalidationRule.objects.get().created_by == organiser


def test_an_organiser_uploads_an_image(admin_client):
    response = form_submit(
        admin_client,
        reverse("wagtailimages:add"),
        {"title": "The library steps", "file": _png("steps.png")},
        action=reverse("wagtailimages:add"),
    )
    assert response.status_code == 302
    assert get_image_model().objects.get().title == "The library steps"


def _png(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "#123456").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
