"""Fixtures for the contact tests: a contact page, a ward with a team, a form shown 10 s ago."""

from __future__ import annotations

import time

import pytest

from tests.factories import (
    ContactPageFactory,
    PostcodeFactory,
    WardFactory,
    WardTeamMemberFactory,
    WardTeamPageFactory,
)
from undersigned.contact.spam import form_shown_token


@pytest.fixture
def contact_page(home):
    return ContactPageFactory()


@pytest.fixture
def riverside(db):
    """A ward with a published team, and one of its postcodes (EB2 2DE)."""
    ward = WardFactory(code="E05099992", name="Riverside")
    PostcodeFactory(postcode="EB2 2DE", ward=ward)
    return ward


@pytest.fixture
def riverside_team(home, riverside):
    team = WardTeamPageFactory(
        title="Riverside", slug="riverside", ward=riverside, team_email="riverside@example.org"
    )
    WardTeamMemberFactory(page=team, name="Cllr Helen Marsh")
    return team


@pytest.fixture
def shown_token() -> str:
    """The hidden timestamp of a form shown ten seconds ago: old enough to be a person."""
    return form_shown_token(now=time.time() - 10)


@pytest.fixture
def contact_data(shown_token) -> dict[str, str]:
    return {
        "name": "Grace Hopper",
        "email": "Grace@Example.org",
        "postcode": "eb22de",
        "ward": "",
        "message": "The bins on Mill Lane have not been collected for three weeks.",
        "website": "",
        "shown": shown_token,
    }
