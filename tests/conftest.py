"""Shared fixtures: a site with a home page, an open petition, a signing client."""

from __future__ import annotations

import pytest

from tests.factories import PetitionPageFactory, site_home
from undersigned.site.caching import forget_everything


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
