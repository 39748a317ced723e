"""Organisers make and revoke API keys in the Wagtail admin, posting the forms the pages
render through a client that checks CSRF."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.html_forms import form_submit
from undersigned.osdi import selectors, services
from undersigned.osdi.models import ApiKey, ApiScope

pytestmark = pytest.mark.django_db

KEY_INPUT = re.compile(r'<input id="api-key"[^>]* value="([^"]+)"')


def test_an_organiser_makes_a_key_sees_it_once_and_revokes_it(admin_client, organiser):
    index = admin_client.get(reverse("osdi_admin:index"))
    assert index.status_code == 200
    assert "No API keys yet." in index.content.decode()

    made = form_submit(
        admin_client,
        reverse("osdi_admin:create"),
        {"name": "Action Network sync", "scope": ApiScope.WRITE},
    )

    assert made.status_code == 200
    secret = KEY_INPUT.search(made.content.decode()).group(1)
    assert "no-store" in made["Cache-Control"]
    api_key = ApiKey.objects.get()
    assert (api_key.name, api_key.scope, api_key.created_by) == (
        "Action Network sync",
        ApiScope.WRITE,
        organiser,
    )
    assert selectors.api_key_get_active(secret=secret) == api_key
    assert secret not in api_key.secret_hash
    listing = admin_client.get(reverse("osdi_admin:index")).content.decode()
    assert "Action Network sync" in listing
    assert api_key.prefix in listing
    assert secret not in listing  # shown once only

    confirm = admin_client.get(reverse("osdi_admin:revoke", args=[api_key.pk]))
    assert "cannot be undone" in confirm.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked_at is None  # asking is not revoking
    revoked = form_submit(admin_client, reverse("osdi_admin:revoke", args=[api_key.pk]))

    assert revoked.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert selectors.api_key_get_active(secret=secret) is None
    history = ModelLogEntry.objects.filter(object_id=str(api_key.pk)).order_by("pk")
    assert [(entry.action, entry.user) for entry in history] == [
        ("wagtail.create", organiser),
        (services.LOG_REVOKE, organiser),
    ]


def test_a_key_without_a_name_is_refused_with_what_was_typed_kept(admin_client):
    answer = form_submit(
        admin_client, reverse("osdi_admin:create"), {"name": "  ", "scope": ApiScope.READ}
    )

    assert answer.status_code == 200
    assert not ApiKey.objects.exists()
    assert 'value="read"' in answer.content.decode()


def test_a_post_without_the_pages_csrf_token_is_refused(admin_client):
    answer = admin_client.post(reverse("osdi_admin:create"), {"name": "Sneaky", "scope": "write"})

    assert answer.status_code == 403
    assert not ApiKey.objects.exists()


def test_someone_in_the_admin_without_the_permission_cannot_see_the_keys(home):
    editor = get_user_model().objects.create_user("editor", "editor@example.org", "pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    # Wagtail sends someone refused back to the dashboard, with a message.
    for name in ("osdi_admin:index", "osdi_admin:create"):
        answer = client.get(reverse(name))
        assert (answer.status_code, answer["Location"]) == (302, reverse("wagtailadmin_home"))
