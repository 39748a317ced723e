"""The abuse pages in the Wagtail admin: trending signers, rules, preview -> apply -> restore."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import InvalidationRuleFactory, SignatureFactory
from tests.html_forms import find_form, form_submit, post_with_page_token
from undersigned.abuse import services
from undersigned.abuse.models import AbuseSettings, InvalidationRule, RuleKind
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions.models import Signature, SignatureState


def _user(username: str, *codenames: str):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw")
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(codename__in=codenames),
    )
    user.groups.add(group)
    return user


@pytest.fixture
def moderator(db):
    return _user("moderator", "view_signature", "moderate_signature")


@pytest.fixture
def moderator_client(moderator):
    """Only the moderation permissions, not the whole Organisers group; CSRF checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    return client


@pytest.fixture
def rule(petition):
    SignatureFactory.create_batch(3, petition=petition, ip_hash="bot")
    return InvalidationRuleFactory(petition=petition, ip_hash="bot")


def _pages(petition, rule):
    return [
        reverse("abuse_admin:index"),
        reverse("abuse_admin:trending", args=[petition.pk]),
        reverse("abuse_admin:rules", args=[petition.pk]),
        reverse("abuse_admin:rule", args=[rule.pk]),
    ]


def test_every_page_renders_for_a_moderator(moderator_client, petition, rule):
    for url in _pages(petition, rule):
        response = moderator_client.get(url)
        assert response.status_code == 200, url
        assert petition.title in response.content.decode(), url


def test_someone_who_cannot_moderate_signatures_is_refused_and_changes_nothing(petition, rule):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_user("viewer", "view_signature"))
    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    dashboard = reverse("wagtailadmin_home")
    for url in _pages(petition, rule):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, dashboard), url
    for url, data in [
        (reverse("abuse_admin:apply", args=[rule.pk]), {}),
        (reverse("abuse_admin:restore", args=[rule.pk]), {}),
        (reverse("abuse_admin:delete", args=[rule.pk]), {}),
        (
            reverse("abuse_admin:rules", args=[petition.pk]),
            {"kind": "ip_hash", "value": "bot", "note": "x"},
        ),
    ]:
        assert post_with_page_token(client, dashboard, url, data).status_code == 302, url
    assert InvalidationRule.objects.count() == 1
    assert petition_selectors.signature_count(petition=petition) == 3


def test_someone_signed_out_is_sent_to_log_in(client, petition, rule):
    response = client.get(reverse("abuse_admin:rules", args=[petition.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_menu_and_the_petitions_overview_lead_moderators_to_the_pages(
    moderator_client, client, petition
):
    index = reverse("abuse_admin:index")
    assert index in moderator_client.get(reverse("wagtailadmin_home")).content.decode()
    overview = moderator_client.get(reverse("petitions_admin:overview")).content.decode()
    assert reverse("abuse_admin:trending", args=[petition.pk]) in overview
    assert reverse("abuse_admin:rules", args=[petition.pk]) in overview

    client.force_login(_user("viewer", "view_signature"))
    assert index not in client.get(reverse("wagtailadmin_home")).content.decode()
    overview = client.get(reverse("petitions_admin:overview")).content.decode()
    assert reverse("abuse_admin:rules", args=[petition.pk]) not in overview


def test_preview_then_apply_then_restore_through_the_admin(moderator_client, moderator, petition):
    for n in range(3):
        SignatureFactory(petition=petition, name=f"Test Bot {n}", postcode="EB1 2AB")
    SignatureFactory(petition=petition, name="Ada Lovelace")
    rules_url = reverse("abuse_admin:rules", args=[petition.pk])

    created = form_submit(
        moderator_client,
        rules_url,
        {"kind": "name_pattern", "value": "test bot*", "note": "Made-up names"},
    )
    assert created.status_code == 302
    rule = InvalidationRule.objects.get()
    assert created["Location"] == reverse("abuse_admin:rule", args=[rule.pk])
    assert (rule.created_by, rule.applied_at) == (moderator, None)
    assert petition_selectors.signature_count(petition=petition) == 4  # nothing changed yet

    preview = moderator_client.get(created["Location"]).content.decode()
    assert "3 counted signatures match this rule." in preview
    assert "T. B. 0." in preview
    assert "EB1" in preview and "EB1 2AB" not in preview and "Test Bot" not in preview
    assert "Apply: stop 3 signatures counting" in preview

    applied = form_submit(
        moderator_client,
        created["Location"],
        action=reverse("abuse_admin:apply", args=[rule.pk]),
        follow=True,
    )
    assert "3 signatures no longer count." in applied.content.decode()
    assert petition_selectors.signature_count(petition=petition) == 1
    assert Signature.objects.filter(petition=petition).count() == 4

    confirm = moderator_client.get(reverse("abuse_admin:restore", args=[rule.pk]))
    assert "Yes, restore the rule" in confirm.content.decode()
    assert petition_selectors.signature_count(petition=petition) == 1

    restored = form_submit(
        moderator_client, reverse("abuse_admin:restore", args=[rule.pk]), follow=True
    )
    assert "3 signatures count again." in restored.content.decode()
    assert petition_selectors.signature_count(petition=petition) == 4
    rule.refresh_from_db()
    assert rule.restored_at is not None
    detail = moderator_client.get(reverse("abuse_admin:rule", args=[rule.pk])).content.decode()
    assert "3 signatures stopped counting" in detail
    assert "Restored" in detail and "Restore…" not in detail


def test_applying_says_so_when_the_number_changed_since_the_preview(
    moderator_client, petition, rule
):
    rule_url = reverse("abuse_admin:rule", args=[rule.pk])
    preview = moderator_client.get(rule_url).content.decode()
    form = find_form(preview, rule_url, action=reverse("abuse_admin:apply", args=[rule.pk]))
    assert form.values()["previewed"] == "3"
    SignatureFactory(petition=petition, ip_hash="bot")  # signed after the preview showed 3
    response = moderator_client.post(form.action, form.values(), follow=True)
    page = response.content.decode()
    assert "4 signatures no longer count." in page
    assert "The preview showed 3" in page


def test_applying_twice_or_restoring_twice_is_refused_with_a_message(
    moderator_client, petition, rule
):
    # The same page open in two tabs: its form is sent twice.
    rule_url = reverse("abuse_admin:rule", args=[rule.pk])
    apply = find_form(
        moderator_client.get(rule_url).content.decode(),
        rule_url,
        action=reverse("abuse_admin:apply", args=[rule.pk]),
    )
    moderator_client.post(apply.action, apply.values())
    again = moderator_client.post(apply.action, apply.values(), follow=True)
    assert "already been applied" in again.content.decode()

    restore_url = reverse("abuse_admin:restore", args=[rule.pk])
    restore = find_form(moderator_client.get(restore_url).content.decode(), restore_url)
    moderator_client.post(restore.action, restore.values())
    again = moderator_client.post(restore.action, restore.values(), follow=True)
    assert "already been restored" in again.content.decode()
    assert petition_selectors.signature_count(petition=petition) == 3


def test_a_bad_rule_comes_back_with_a_message_and_what_was_typed(moderator_client, petition):
    response = form_submit(
        moderator_client,
        reverse("abuse_admin:rules", args=[petition.pk]),
        {"kind": "name_pattern", "value": "**", "note": "Everyone is a bot"},
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "A name pattern needs at least one letter or digit besides *" in page
    assert 'value="Everyone is a bot"' in page
    assert not InvalidationRule.objects.exists()

    response = form_submit(
        moderator_client,
        reverse("abuse_admin:rules", args=[petition.pk]),
        {"kind": "time_window", "starts_at": "2026-11-23T11:00", "ends_at": "2026-11-23T10:00"},
    )
    page = html.unescape(response.content.decode())
    assert "The end of the window must be after its start" in page
    assert "This field is required" in page  # the reason
    assert 'value="2026-11-23T11:00"' in page


def test_a_time_window_typed_in_site_time_is_stored_as_that_moment(moderator_client, petition):
    form_submit(
        moderator_client,
        reverse("abuse_admin:rules", args=[petition.pk]),
        {
            "kind": "time_window",
            "starts_at": "2026-07-01T10:00",
            "ends_at": "2026-07-01T10:30",
            "note": "A burst",
        },
    )
    rule = InvalidationRule.objects.get()
    # Europe/London is an hour ahead of UTC in July.
    assert rule.starts_at == datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)
    assert rule.kind == RuleKind.TIME_WINDOW


def test_trending_signers_link_to_a_rule_form_filled_in_from_the_row(moderator_client, petition):
    settings = AbuseSettings.load()
    settings.trending_min_signatures = 5
    settings.save()
    start = timezone.now() - datetime.timedelta(hours=1)
    for n in range(6):
        SignatureFactory(
            petition=petition,
            ip_hash="f00d",
            email="",
            created_at=start + datetime.timedelta(seconds=n),
        )
    SignatureFactory(petition=petition, ip_hash="other", email="", created_at=start)
    response = moderator_client.get(reverse("abuse_admin:trending", args=[petition.pk]))
    page = response.content.decode()
    assert "<code>f00d</code>" in page
    assert "other" not in page
    link = html.unescape(re.search(r'href="([^"]*)">Make a rule from this', page).group(1))

    form = moderator_client.get(link).content.decode()
    assert 'value="f00d"' in form
    assert re.search(r'value="ip_hash"[^>]*checked', form)
    assert "Trending: 86% of the signatures" in html.unescape(form)


def test_the_trending_period_can_be_chosen_and_a_bad_one_is_explained(moderator_client, petition):
    url = reverse("abuse_admin:trending", args=[petition.pk])
    assert (
        "Nothing unusual in the last 6 hours."
        in moderator_client.get(url, {"hours": "6"}).content.decode()
    )
    response = moderator_client.get(url, {"hours": "9999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_draft_can_be_deleted_and_an_applied_rule_cannot(moderator_client, petition, rule):
    applied = services.rule_apply(rule=InvalidationRuleFactory(petition=petition))
    form_submit(
        moderator_client,
        reverse("abuse_admin:rule", args=[rule.pk]),
        action=reverse("abuse_admin:delete", args=[rule.pk]),
    )
    applied_url = reverse("abuse_admin:rule", args=[applied.pk])
    delete_applied = reverse("abuse_admin:delete", args=[applied.pk])
    assert delete_applied not in moderator_client.get(applied_url).content.decode()
    response = post_with_page_token(moderator_client, applied_url, delete_applied, follow=True)
    assert "kept on record" in response.content.decode()
    assert list(InvalidationRule.objects.all()) == [applied]


def test_changes_need_a_post_with_a_csrf_token(moderator, petition, rule):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert client.get(reverse("abuse_admin:apply", args=[rule.pk])).status_code == 405
    assert client.post(reverse("abuse_admin:apply", args=[rule.pk])).status_code == 403
    response = client.post(
        reverse("abuse_admin:rules", args=[petition.pk]),
        {"kind": "ip_hash", "value": "bot", "note": "x"},
    )
    assert response.status_code == 403
    assert InvalidationRule.objects.count() == 1
    assert Signature.objects.filter(state=SignatureState.COUNTED).count() == 3
