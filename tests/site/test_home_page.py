"""The home page: the newest petitions and the latest stories, filled in by their own apps."""

from __future__ import annotations

import pytest

from tests.factories import NewsStoryPageFactory, PetitionPageFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_the_three_newest_petitions_and_the_five_latest_stories(client, home):
    petitions = [PetitionPageFactory(title=f"Petition number {n}") for n in range(4)]
    stories = [NewsStoryPageFactory(title=f"Story number {n}") for n in range(6)]

    response = client.get(home.url)

    assert response.status_code == 200
    shown_petitions = list(response.context["petitions"])
    shown_stories = list(response.context["stories"])
    assert len(shown_petitions) == 3
    assert {page.pk for page in shown_petitions} <= {page.pk for page in petitions}
    assert len(shown_stories) == 5
    assert {page.pk for page in shown_stories} <= {page.pk for page in stories}
    html = response.content.decode()
    for page in [*shown_petitions, *shown_stories]:
        assert page.title in html
