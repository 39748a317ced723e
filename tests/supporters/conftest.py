"""Fixtures for the supporters tests: an organiser with an email address, logged in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def organiser(db):
    return get_user_model().objects.create_superuser(
        "organiser", "organiser@example.org", "pw", first_name="Olive", last_name="Organiser"
    )


@pytest.fixture
def admin_client(client, organiser):
    client.force_login(organiser)
    return client
