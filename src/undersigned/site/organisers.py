"""The "Organisers" group: what a volunteer who runs the campaign may do, without being a superuser.

The group is made by ``migrate`` on a fresh install and brought up to date on every later run.
Site, the lowest app, owns the group; every app contributes its own permissions from its
``AppConfig.ready()`` through :func:`organisers_contribute`, so no app here needs to know the
others. Everything is idempotent: running it again adds what is missing and changes nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import AppConfig, apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

ORGANISERS_GROUP_NAME = "Organisers"

# What the group may do across the page tree (from its root) and with images and documents (from
# the root collection): the same as Wagtail's own "Moderators", so an organiser can write,
# publish and unpublish every page but cannot delete a whole section at once.
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS = (
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtailimages.delete_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
    "wagtaildocs.delete_document",
)

# app label -> the "app_label.codename" permissions that app gives the group.
_contributions: dict[str, tuple[str, ...]] = {}


def _permissions(names: Iterable[str], *, using: str) -> list[Permission]:
    """The Permission rows for "app_label.codename" names, created first if the app's own
    post_migrate handler has not made them yet (handlers run in app order)."""
    names = list(names)
    for label in {name.split(".", 1)[0] for name in names}:
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    found = []
    for name in names:
        label, codename = name.split(".", 1)
        found.append(
            Permission.objects.using(using).get(content_type__app_label=label, codename=codename)
        )
    return found


def organisers_group_grant(*, permissions: Iterable[str], using: str = DEFAULT_DB_ALIAS) -> Group:
    """Give the Organisers group ``permissions`` ("app_label.codename"), making the group if
    needed. Permissions it already has stay as they are."""
    group, _ = Group.objects.using(using).get_or_create(name=ORGANISERS_GROUP_NAME)
    group.permissions.add(*_permissions(permissions, using=using))
    return group


def organisers_group_grant_content(*, using: str = DEFAULT_DB_ALIAS) -> Group:
    """Give the Organisers group the page tree and the media library, where they exist yet."""
    group = organisers_group_grant(permissions=["wagtailadmin.access_admin"], using=using)
    root_page = Page.objects.using(using).filter(depth=1).first()
    if root_page is not None:
        for permission in _permissions(
            [f"wagtailcore.{codename}" for codename in PAGE_PERMISSIONS], using=using
        ):
            GroupPagePermission.objects.using(using).get_or_create(
                group=group, page=root_page, permission=permission
            )
    root_collection = Collection.objects.using(using).filter(depth=1).first()
    if root_collection is not None:
        for permission in _permissions(COLLECTION_PERMISSIONS, using=using):
            GroupCollectionPermission.objects.using(using).get_or_create(
                group=group, collection=root_collection, permission=permission
            )
    return group


def organisers_content_on_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate handler for the site app: the page tree and the media library."""
    organisers_group_grant_content(using=using)


def _grant_on_migrate(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    organisers_group_grant(permissions=_contributions[sender.label], using=using)


def organisers_contribute(app_config: AppConfig, *, permissions: Iterable[str]) -> None:
    """Called from an app's ``ready()``: after every ``migrate``, the Organisers group holds
    ``permissions``."""
    _contributions[app_config.label] = tuple(permissions)
    post_migrate.connect(
        _grant_on_migrate, sender=app_config, dispatch_uid=f"organisers:{app_config.label}"
    )


def organisers_group_ensure(*, using: str = DEFAULT_DB_ALIAS) -> Group:
    """Everything every app has contributed, granted now (e.g. after the tables were emptied)."""
    for permissions in _contributions.values():
        organisers_group_grant(permissions=permissions, using=using)
    return organisers_group_grant_content(using=using)
