"""Shared fixtures: a site with a home page, an open petition, a signing client."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import PetitionPageFactory, site_home


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


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
