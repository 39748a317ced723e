"""Starting a petition: "New petition" in the Petitions menu and on the overview."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from tests.factories import petition_index

pytestmark = pytest.mark.usefixtures("petitions_section")


@pytest.fixture
def petitions_section(home):
    return petition_index()


def new_petition_url() -> str:
    return reverse(
        "wagtailadmin_pages:add", args=["petitions", "petitionpage", petition_index().pk]
    )


def petitions_menu(html: str) -> list[dict]:
    """Every link of the admin sidebar (label and url), from the props Wagtail renders for it."""
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    assert props, "the admin page renders no sidebar"
    return _items(json.loads(props.group(1)))


def _items(node) -> list[dict]:
    """Every link item in the sidebar (label and url), wherever it sits."""
    items = []
    if isinstance(node, dict):
        args = node.get("_args")
        if node.get("_type") == "wagtail.sidebar.LinkMenuItem" and args:
            items.append(
                {"name": args[0]["name"], "label": args[0]["label"], "url": args[0]["url"]}
            )
        for value in node.values():
            items.extend(_items(value))
    elif isinstance(node, list):
        for value in node:
            items.extend(_items(value))
    return items


def test_the_petitions_menu_offers_new_petition_straight_to_the_editor(admin_client, home):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()

    items = {item["label"]: item["url"] for item in petitions_menu(html)}

    assert items["New petition"] == new_petition_url()
    editor = admin_client.get(items["New petition"])
    assert editor.status_code == 200


def test_the_overview_offers_new_petition(admin_client, home):
    html = admin_client.get(reverse("petitions_admin:overview")).content.decode()

    assert f'href="{new_petition_url()}"' in html
    assert "New petition" in html


def test_someone_who_may_not_add_pages_is_not_offered_new_petition(home):
    viewer = get_user_model().objects.create_user("viewer", "viewer@example.org", "pw")
    group = Group.objects.create(name="Signature viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_signature"),
    )
    viewer.groups.add(group)
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)

    home_html = client.get(reverse("wagtailadmin_home")).content.decode()
    overview_html = client.get(reverse("petitions_admin:overview")).content.decode()

    assert "New petition" not in {item["label"] for item in petitions_menu(home_html)}
    assert new_petition_url() not in overview_html
