"""Petition cards on the petitions section and the home page: image, count and progress."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from tests.factories import PetitionPageFactory, SignatureFactory, petition_index
from undersigned.petitions import selectors
from undersigned.petitions.models import SignatureState


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card petition-card">(.*?)</li>', html, re.S)


def card_for(html: str, petition) -> str:
    (found,) = [card for card in cards(html) if petition.title in card]
    return found


def signed(petition, times: int):
    for _ in range(times):
        SignatureFactory(petition=petition)
    return petition


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["section", "home"])
def test_petition_cards_show_each_petitions_count_and_progress(client, home, where):
    library = signed(PetitionPageFactory(signature_goal=200), 50)
    pool = signed(PetitionPageFactory(signature_goal=10), 3)
    SignatureFactory(petition=pool, state=SignatureState.INVALIDATED)  # not counted

    html = client.get(petition_index().url if where == "section" else home.url).content.decode()

    library_card = card_for(html, library)
    assert "<strong>50</strong> signatures of 200" in library_card
    assert 'role="progressbar"' in library_card
    assert 'aria-valuenow="25"' in library_card
    assert 'aria-valuetext="25% of the goal"' in library_card
    assert "progress__bar pct-25" in library_card
    pool_card = card_for(html, pool)
    assert "<strong>3</strong> signatures of 10" in pool_card
    assert 'aria-valuenow="30"' in pool_card


@pytest.mark.django_db
def test_a_cards_progress_bar_is_named_by_its_count(client, petition):
    signed(petition, 1)

    html = card_for(client.get(petition_index().url).content.decode(), petition)

    labelled_by = re.search(r'aria-labelledby="([^"]+)"', html).group(1)
    assert re.search(rf'id="{labelled_by}"><strong>1</strong> signature of 100<', html)


@pytest.mark.django_db
def test_the_petitions_section_titles_its_cards_one_level_below_its_own_heading(client, petition):
    html = client.get(petition_index().url).content.decode()

    assert f'<h2 class="card__title"><a href="{petition.url}">' in html
    assert "<h3" not in card_for(html, petition)


def _list_queries(client, url: str) -> int:
    client.get(url)  # the first visit makes the images' card sizes
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_listing_more_petitions_with_images_and_counts_takes_no_more_queries(
    client, home, settings
):
    # What is measured is making the list; a kept copy of the page would skip all of it.
    settings.UNDERSIGNED_PAGE_CACHE_SECONDS = 0
    images = get_image_model()

    def petition_with_image(n: int):
        image = images.objects.create(title=f"Photo {n}", file=get_test_image_file())
        return signed(PetitionPageFactory(image=image), n)

    petition_with_image(1)
    one = _list_queries(client, petition_index().url)
    for n in range(2, 7):
        petition_with_image(n)
    six = _list_queries(client, petition_index().url)

    assert len(cards(client.get(petition_index().url).content.decode())) == 6
    assert six == one


@pytest.mark.django_db
def test_a_card_shows_the_petitions_image_without_repeating_its_title_to_screen_readers(
    client, home
):
    image = get_image_model().objects.create(title="Library steps", file=get_test_image_file())
    petition = PetitionPageFactory(image=image)

    card = card_for(client.get(petition_index().url).content.decode(), petition)

    small = image.get_rendition(selectors.CARD_IMAGE_FILTERS[0])
    large = image.get_rendition(selectors.CARD_IMAGE_FILTERS[1])
    assert f"{small.url} {small.width}w" in card
    assert f"{large.url} {large.width}w" in card
    assert 'alt=""' in card
    assert 'loading="lazy"' in card


@pytest.mark.django_db
def test_counts_for_several_petitions_are_read_in_one_query_and_then_from_the_cache(
    home, settings, django_assert_num_queries
):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    petitions = [signed(PetitionPageFactory(), n) for n in (0, 2, 5)]

    with django_assert_num_queries(1):
        counts = selectors.signature_counts(petitions=petitions)
    with django_assert_num_queries(0):
        again = selectors.signature_counts(petitions=petitions)

    assert (
        counts
        == again
        == {petition.pk: n for petition, n in zip(petitions, (0, 2, 5), strict=True)}
    )
    assert selectors.signature_count(petition=petitions[2]) == 5
