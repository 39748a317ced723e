"""Shared fixtures: a site with a home page, an open petition, an organiser and the admin client.

Every admin POST in the suite goes through ``admin_client`` (a client that enforces CSRF, logged
in as an organiser who is not a superuser) and ``form_submit`` (posting the form the page rendered).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import PetitionPageFactory, site_home
from tests.html_forms import form_submit
from undersigned.site.organisers import ORGANISERS_GROUP_NAME, organisers_group_ensure
from undersigned.speed.caching import forget_everything

__all__ = ["ORGANISER_PASSWORD", "form_submit"]

ORGANISER_USERNAME = "organiser"
ORGANISER_PASSWORD = "a-volunteer's-password"


def pytest_collection_modifyitems(items) -> None:
    """A transactional test must restore the migrated rows (``serialized_rollback=True``).

    Emptying the tables after a transactional test runs ``post_migrate`` again, which makes
    the Organisers group anew under another id; a later test that restores the migrated rows
    then meets that group's name and fails on its unique constraint, far from the cause.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: django_db(transaction=True) needs serialized_rollback=True"
            )


@pytest.fixture(autouse=True)
def _fresh_cache():
    forget_everything()
    yield
    forget_everything()


@pytest.fixture
def home(db):
    return site_home()


@pytest.fixture
def petition(home):
    return PetitionPageFactory()


@pytest.fixture
def valid_form_data() -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "address": "",
        "postcode": "cr0 1ny",
        "email": "Ada@Example.org",
    }


@pytest.fixture
def organiser(home):
    """A volunteer in the Organisers group, not a superuser (log in with ORGANISER_PASSWORD)."""
    # Tables emptied between transactional tests lose the group's page permissions with the page
    # tree; granting again is a no-op after a plain migrate.
    group = organisers_group_ensure()
    assert group.name == ORGANISERS_GROUP_NAME
    user = get_user_model().objects.create_user(
        ORGANISER_USERNAME,
        "organiser@example.org",
        ORGANISER_PASSWORD,
        first_name="Olive",
        last_name="Organiser",
    )
    user.groups.add(group)
    return user


@pytest.fixture
def admin_client(organiser):
    """Logged in as the organiser, and checks CSRF as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    return client


@pytest.fixture
def superuser(db):
    """Only for tests that are about what a superuser, and nobody else, may do."""
    return get_user_model().objects.create_superuser("superuser", "superuser@example.org", "pw")


@pytest.fixture
def superuser_client(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    return client
