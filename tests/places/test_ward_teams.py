"""Ward teams: member cards, the section and its postcode search, "Meet your local team", demo."""

from __future__ import annotations

import pytest
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from tests.factories import (
    ContactPageFactory,
    PostcodeFactory,
    WardFactory,
    WardTeamMemberFactory,
    WardTeamPageFactory,
    ward_team_index,
)
from undersigned.places.demo import WARDS, demo_postcodes, places_demo_load
from undersigned.places.models import Postcode, Ward, WardTeamMember, WardTeamPage
from undersigned.places.postcodes import normalise_postcode

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_ward_team_page_shows_each_member_as_a_card_in_order(client, home):
    team = WardTeamPageFactory(title="Riverside")
    WardTeamMemberFactory(
        page=team,
        name="Cllr Helen Marsh",
        role="Councillor",
        surgery_times="First Friday of the month\nRiverside Community Centre",
        phone="020 7946 0102",
        email="helen.marsh@example.org",
        sort_order=0,
    )
    WardTeamMemberFactory(
        page=team, name="Sam Achebe", role="Candidate", phone="", email="", sort_order=1
    )

    html = html_of(client.get(team.url))

    assert "<h1>Riverside</h1>" in html
    assert html.index("Cllr Helen Marsh") < html.index("Sam Achebe")
    assert html.count('class="card member-card"') == 2
    assert '<p class="member-card__role">Councillor</p>' in html
    assert "First Friday of the month<br>Riverside Community Centre" in html
    assert '<a href="tel:02079460102">020 7946 0102</a>' in html
    assert '<a href="mailto:helen.marsh@example.org">helen.marsh@example.org</a>' in html
    assert team.team_email not in html  # where enquiries go is not published


def test_a_members_photo_is_shown_when_there_is_one(client, home):
    photo = get_image_model().objects.create(title="Helen", file=get_test_image_file())
    member = WardTeamMemberFactory(photo=photo)

    html = html_of(client.get(member.page.url))

    assert 'class="member-card__photo"' in html
    assert "member-card__photo--initials" not in html


def test_a_team_page_links_to_the_contact_form_with_its_ward_chosen(client, home):
    ContactPageFactory()
    team = WardTeamPageFactory(ward=WardFactory(code="E05099992"))

    html = html_of(client.get(team.url))

    assert 'href="/contact-us/?ward=E05099992"' in html


def test_the_ward_teams_section_lists_the_published_teams_and_their_members(client, home):
    team = WardTeamPageFactory(title="Old Town")
    WardTeamMemberFactory(page=team, name="Cllr Ian Brooks")
    WardTeamPageFactory(title="Secret Draft", live=False)

    html = html_of(client.get(ward_team_index().url))

    assert f'<a href="{team.url}">Old Town</a>' in html
    assert "Cllr Ian Brooks" in html
    assert "Secret Draft" not in html


def test_searching_the_section_by_postcode_goes_to_that_wards_team(client, home):
    team = WardTeamPageFactory()
    PostcodeFactory(postcode="EB1 1AB", ward=team.ward)

    response = client.get(ward_team_index().url, {"postcode": "eb11ab"})

    assert response.status_code == 302
    assert response["Location"] == team.url


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("EB9 9ZZ", "We don&#x27;t have a ward team for EB9 9ZZ"),
        ("nonsense", "Enter a real UK postcode, like CR0 1NY"),
    ],
)
def test_a_postcode_without_a_team_is_explained_and_kept_in_the_box(client, home, typed, message):
    WardTeamPageFactory()

    html = html_of(client.get(ward_team_index().url, {"postcode": typed}))

    assert message in html
    assert f'value="{typed}"' in html
    assert 'aria-invalid="true"' in html


def test_the_home_page_invites_visitors_to_meet_their_local_team(client, home):
    index = ward_team_index()

    html = html_of(client.get(home.url))

    assert "Meet your local team" in html
    assert f'action="{index.url}"' in html
    assert f'<a href="{index.url}">See all ward teams</a>' in html


def test_the_home_page_leaves_the_box_out_when_there_are_no_ward_teams(client, home):
    assert "Meet your local team" not in html_of(client.get(home.url))


def test_an_organiser_can_open_a_team_page_with_its_members_in_the_admin(admin_client, home):
    team = WardTeamPageFactory(title="Riverside")
    WardTeamMemberFactory(page=team, name="Cllr Helen Marsh")

    html = html_of(admin_client.get(f"/admin/pages/{team.pk}/edit/"))

    assert "Cllr Helen Marsh" in html
    assert "Surgery times" in html


def test_the_demo_borough_has_wards_postcodes_and_a_team_with_two_members_per_ward(client, home):
    places_demo_load(home=home)
    places_demo_load(home=home)  # a second run changes nothing

    assert Ward.objects.count() == len(WARDS) >= 4
    assert Postcode.objects.count() == len(demo_postcodes()) >= 20
    for postcode in Postcode.objects.all():
        assert normalise_postcode(postcode.postcode) == postcode.postcode
        assert 51.3 < postcode.latitude < 51.45
        assert -0.15 < postcode.longitude < -0.05
        assert postcode.local_authority_code == "E09000099"
    assert WardTeamPage.objects.live().count() == len(WARDS)
    assert WardTeamMember.objects.count() == 2 * len(WARDS)
    index = ward_team_index()
    assert index.show_in_menus
    northfield = WardTeamPage.objects.get(title="Northfield")
    assert "Cllr Priya Shah" in html_of(client.get(northfield.url))
    response = client.get(index.url, {"postcode": "EB1 2DE"})
    assert response["Location"] == northfield.url


def test_a_team_page_previews_with_members_that_are_not_saved_yet(home):
    team = WardTeamPageFactory(title="Riverside")
    team.members.add(WardTeamMember(name="Cllr Dev Patel", role="Councillor", sort_order=0))

    response = team.make_preview_request()

    assert response.status_code == 200
    assert "Cllr Dev Patel" in response.content.decode()
    assert not WardTeamMember.objects.exists()
