"""Remembered page routes: fewer queries per request, and every change to a page still shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from tests.factories import PetitionPageFactory
from undersigned.petitions.models import PetitionPage, PetitionState


@pytest.fixture(autouse=True)
def routes_remembered(settings):
    settings.UNDERSIGNED_ROUTE_CACHE_SECONDS = 10
    # A kept copy of the page would answer before any routing: these tests are the routes'.
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 0


def queries_for(url: str) -> tuple[int, int]:
    """(status, number of queries) of one anonymous GET of ``url``."""
    with CaptureQueriesContext(connection) as queries:
        status = Client().get(url).status_code
    return status, len(queries)


@pytest.mark.django_db
def test_a_remembered_route_saves_the_walk_down_the_page_tree(settings, petition):
    settings.UNDERSIGNED_ROUTE_CACHE_SECONDS = 0
    queries_for(petition.url)  # fills the other short-lived caches (counts, settings)
    status_without, without = queries_for(petition.url)
    settings.UNDERSIGNED_ROUTE_CACHE_SECONDS = 10
    queries_for(petition.url)  # remembers the route
    status_with, with_route = queries_for(petition.url)

    assert status_without == status_with == 200
    # Not read again: the site, three levels of the tree (each page, then its type) and the
    # view restrictions of the page and its ancestors; the page itself is.
    assert with_route <= without - 6


@pytest.mark.django_db
def test_the_page_itself_is_read_afresh_on_every_request(petition):
    Client().get(petition.url)
    PetitionPage.objects.filter(pk=petition.pk).update(
        title="Renamed behind its back", state=PetitionState.CLOSED
    )

    html = Client().get(petition.url).content.decode()

    assert "Renamed behind its back" in html
    assert "This petition is closed" in html


@pytest.mark.django_db
def test_an_unpublished_page_is_gone_at_once(petition):
    Client().get(petition.url)
    PetitionPage.objects.filter(pk=petition.pk).update(live=False)

    assert Client().get(petition.url).status_code == 404


@pytest.mark.django_db
def test_a_renamed_page_moves_to_its_new_address(petition):
    old_url = petition.url
    Client().get(old_url)
    petition.slug = "a-new-address"
    petition.save_revision().publish()

    assert Client().get(old_url).status_code == 404
    assert Client().get("/petitions/a-new-address/").status_code == 200


@pytest.mark.django_db
def test_a_deleted_page_is_gone(petition):
    url = petition.url
    Client().get(url)
    petition.delete()

    assert Client().get(url).status_code == 404


@pytest.mark.django_db
def test_the_routes_inside_a_page_work_from_a_remembered_route(petition):
    thank_you = petition.url + "thank-you/"
    Client().get(thank_you)

    response = Client().get(thank_you)

    assert response.status_code == 200
    assert Client().get(petition.url + "no-such-route/").status_code == 404


@pytest.mark.django_db
def test_a_password_added_to_a_page_applies_at_once(petition):
    Client().get(petition.url)
    PageViewRestriction.objects.create(
        page=petition, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )

    html = Client().get(petition.url).content.decode()

    assert petition.statement not in html
    assert 'name="password"' in html


@pytest.mark.django_db
def test_two_pages_have_two_routes(petition):
    other = PetitionPageFactory(title="Save the swimming pool")
    Client().get(petition.url)
    Client().get(other.url)

    assert "Save the swimming pool" in Client().get(other.url).content.decode()
    assert "Save the swimming pool" not in Client().get(petition.url).content.decode()
