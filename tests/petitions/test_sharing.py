"""What a shared petition link previews: the petition's image, or a card drawn from its title."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image, ImageFont
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from tests.factories import PetitionPageFactory
from undersigned.petitions import share_card
from undersigned.petitions.views import SHARE_IMAGE_FILTER
from undersigned.site.models import SiteSettings
from undersigned.speed.caching import forget_everything


def meta(html: str, name: str) -> str:
    """The content of the ``<meta property|name="name">`` tag on the page."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', html)
    assert found, f"no {name} meta tag"
    return unescape(found.group(1))


def photo(**kwargs):
    return get_image_model().objects.create(
        title="Readers outside the library",
        description="Families reading on the steps of Northfield Library",
        file=get_test_image_file(size=(1600, 1000)),
        **kwargs,
    )


def card_of(client: Client, petition) -> tuple[str, bytes, object]:
    """The card's address on the petition page as it is once the caches have let go of the
    last copy of the page, the card's picture and the answer that brought it."""
    forget_everything()
    html = client.get(petition.url).content.decode()
    address = meta(html, "og:image")
    response = client.get(address)
    return address, response.content, response


@pytest.mark.django_db
def test_a_petition_with_an_image_is_shared_with_that_image_cut_to_the_preview_size(client, home):
    petition = PetitionPageFactory(image=photo())
    rendition = petition.image.get_rendition(SHARE_IMAGE_FILTER)

    html = client.get(petition.url).content.decode()

    assert meta(html, "og:image") == f"http://testserver{rendition.url}"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "630")
    assert meta(html, "og:image:alt") == "Families reading on the steps of Northfield Library"
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == meta(html, "og:image")


@pytest.mark.django_db
def test_the_petition_page_shows_its_image_in_sizes_for_every_screen(client, home):
    petition = PetitionPageFactory(image=photo())

    html = client.get(petition.url).content.decode()

    figure = re.search(r'<figure class="petition-image">(.*?)</figure>', html, re.S).group(1)
    assert 'alt="Families reading on the steps of Northfield Library"' in figure
    for width in (640, 960, 1280):
        rendition = petition.image.get_rendition(f"fill-{width}x{width * 21 // 40}-c100")
        assert f"{rendition.url} {width}w" in figure
    assert 'sizes="' in figure


@pytest.mark.django_db
def test_a_petition_without_an_image_is_shared_with_a_card_drawn_from_it(client, petition):
    html = client.get(petition.url).content.decode()

    address = meta(html, "og:image")
    assert address.startswith(f"http://testserver/petitions/{petition.slug}/share-card.png?v=")
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "630")
    assert meta(html, "og:image:alt") == petition.title
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == address

    response = client.get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(response.content))
    assert (picture.format, picture.size) == ("PNG", (1200, 630))
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_card_is_on_the_sites_colours_and_made_again_when_they_change(client, petition):
    settings = SiteSettings.for_site(petition.get_site())
    settings.brand_colour, settings.accent_colour = "#225522", "#883311"
    settings.save()

    first_address, first_png, _ = card_of(client, petition)
    picture = Image.open(io.BytesIO(first_png)).convert("RGB")
    assert picture.getpixel((0, 300)) == (0x22, 0x55, 0x22)  # the brand colour, left edge
    assert picture.getpixel((600, 625)) == (0x88, 0x33, 0x11)  # the accent band at the foot

    settings.brand_colour = "#552222"
    settings.save()
    second_address, second_png, _ = card_of(client, petition)

    assert second_address != first_address
    assert Image.open(io.BytesIO(second_png)).convert("RGB").getpixel((0, 300)) == (
        0x55,
        0x22,
        0x22,
    )


@pytest.mark.django_db
def test_the_card_is_kept_in_the_shared_cache_under_what_it_shows(client, petition):
    address, png, _ = card_of(client, petition)
    key = address.rsplit("?v=", 1)[1]
    assert cache.get(f"petitions:share-card:{key}") == png

    petition.title = "Save the Northfield swimming pool"
    petition.save_revision().publish()
    new_address, new_png, _ = card_of(client, petition)

    assert new_address != address
    assert new_png != png
    assert cache.get(f"petitions:share-card:{new_address.rsplit('?v=', 1)[1]}") == new_png


@pytest.mark.django_db
def test_asking_again_with_the_cards_etag_gets_not_modified(client, petition):
    address, _, first = card_of(client, petition)
    # The page cache would answer with its copy of the card (200, whatever the ETag) for a
    # couple of seconds; asked afterwards, the view compares the ETag.
    forget_everything()

    again = client.get(address, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_a_draft_petition_has_no_card(client, home):
    petition = PetitionPageFactory(live=False)

    assert client.get(f"/petitions/{petition.slug}/share-card.png").status_code == 404


def test_the_card_font_has_every_letter_of_polish_and_other_european_titles():
    font = share_card._font(60, bold=True)
    missing_glyph = font.getmask("\U000e0fff").getbbox()  # an unassigned code point: the box

    for letter in "ŁÓŚŹŻłóśźżZoëçØßĞ":
        assert font.getmask(letter).getbbox() != missing_glyph, letter
    assert isinstance(font, ImageFont.FreeTypeFont)


@pytest.mark.django_db
def test_a_card_with_a_non_latin_title_is_drawn(client, home):
    petition = PetitionPageFactory(
        title="Ratujmy bibliotekę w Łodzi: ÓSMY apel Zoë", organiser_name="Łucja Żółć"
    )
    plain = PetitionPageFactory(
        title="Ratujmy biblioteke w Lodzi: OSMY apel Zoe", organiser_name="Lucja Zolc"
    )

    _, png, response = card_of(client, petition)
    _, plain_png, _ = card_of(client, plain)

    assert response.status_code == 200
    assert Image.open(io.BytesIO(png)).size == (1200, 630)
    assert png != plain_png  # the accents are drawn, not dropped


def test_a_long_title_is_wrapped_and_made_smaller_to_fit():
    card = share_card.ShareCard(
        title="Keep the Northfield library open for the families of the ward " * 3,
        organiser="Northfield Residents",
        site_name="Example Borough Residents",
        eyebrow="Petition",
        organiser_line="Started by Northfield Residents",
        brand_colour="#0b4f6c",
        accent_colour="#d62f5c",
    )
    short = share_card._fit_title("Keep it open", 1040, 340)
    long = share_card._fit_title(card.title, 1040, 340)

    assert len(short[1]) == 1
    assert len(long[1]) > 1
    assert long[0].size < short[0].size
    for line in long[1]:
        assert long[0].getlength(line) <= 1040
    assert Image.open(io.BytesIO(share_card.share_card_draw(card))).size == (1200, 630)


def test_a_title_too_long_for_the_card_ends_in_an_ellipsis_between_words():
    font, lines, _ = share_card._fit_title("word " * 200, 1040, 340)

    assert lines[-1].endswith("word…")
    assert all(font.getlength(line) <= 1040 for line in lines)


def test_a_word_wider_than_the_card_is_cut_to_fit():
    font = share_card._font(60, bold=True)

    lines = share_card.wrap("A" * 80, font, 500)

    assert "".join(lines) == "A" * 80
    assert all(font.getlength(line) <= 500 for line in lines)


def test_without_dejavu_the_card_is_drawn_with_pillows_own_font(monkeypatch, tmp_path):
    monkeypatch.setattr(share_card, "FONT_DIRS", (tmp_path,))
    share_card._font_file.cache_clear()
    try:
        card = share_card.ShareCard(
            title="Keep Northfield Library open",
            organiser="Northfield Residents",
            site_name="",
            eyebrow="Petition",
            organiser_line="Started by Northfield Residents",
            brand_colour="not a colour",
            accent_colour="#d62f5c",
        )
        picture = Image.open(io.BytesIO(share_card.share_card_draw(card)))
    finally:
        share_card._font_file.cache_clear()

    assert picture.size == (1200, 630)
    assert picture.convert("RGB").getpixel((0, 300)) == (0x0B, 0x4F, 0x6C)  # the default brand


@pytest.mark.django_db
def test_an_organiser_can_choose_an_image_for_a_petition_in_the_editor(admin_client, petition):
    response = admin_client.get(f"/admin/pages/{petition.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="image"' in html
    assert "Choose an image" in html
