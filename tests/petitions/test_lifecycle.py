"""A petition's one lifecycle: publishing opens it, its closing date closes it everywhere at once,
and closing, reopening and handing in belong to the petition, not to a version of its text."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from wagtail.test.utils.form_data import rich_text

from tests.factories import PetitionPageFactory, petition_index, sign_url
from tests.html_forms import form_submit
from undersigned.petitions import services
from undersigned.petitions.models import (
    PetitionPage,
    PetitionState,
    Signature,
    accepting_signatures,
    petition_status,
)
from undersigned.petitions.selectors import SigningTarget
from undersigned.petitions.services import SignerDetails
from undersigned.site.errors import ApplicationError

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return response.content.decode()


def new_petition_url() -> str:
    return reverse(
        "wagtailadmin_pages:add", args=["petitions", "petitionpage", petition_index().pk]
    )


NEW_PETITION = {
    "title": "Light the towpath",
    "slug": "light-the-towpath",
    "summary": "The towpath is dark from four o'clock in winter.",
    "story": rich_text("<p>People walk home along it in the dark.</p>"),
    "statement": "We call on the council to light the towpath.",
    "target": "Example Borough Council",
    "organiser_name": "Towpath Friends",
}


# Publishing opens it


def test_a_new_petition_published_with_the_defaults_is_open_and_takes_signatures(
    admin_client, home, client, valid_form_data
):
    response = form_submit(admin_client, new_petition_url(), NEW_PETITION, button="action-publish")

    assert response.status_code == 302, page_text(response)
    petition = PetitionPage.objects.get(slug="light-the-towpath")
    assert petition.live
    assert petition.status() == PetitionState.OPEN
    assert petition.opened_at is not None
    page = page_text(client.get(petition.url))
    assert "not open for signatures yet" not in page
    assert 'class="sign-form"' in page
    assert client.post(sign_url(petition), valid_form_data).status_code == 302
    assert Signature.objects.filter(petition=petition).count() == 1


def test_the_editor_has_no_second_state_to_get_wrong_and_publish_is_its_main_action(
    admin_client, home
):
    html = page_text(admin_client.get(new_petition_url()))

    assert 'name="state"' not in html
    assert "Draft: not open" not in html
    # The main button of the action menu comes first; the others are in its dropdown.
    assert html.index('name="action-publish"') < html.index("Save draft")


def test_a_petition_saved_as_a_draft_opens_only_when_it_is_published(admin_client, home):
    form_submit(admin_client, new_petition_url(), NEW_PETITION)
    petition = PetitionPage.objects.get(slug="light-the-towpath")
    assert not petition.live
    assert petition.opened_at is None

    petition.get_latest_revision().publish()

    petition.refresh_from_db()
    assert petition.live
    assert petition.opened_at is not None
    assert petition.status() == PetitionState.OPEN


def test_the_editor_refuses_to_publish_a_story_that_is_only_an_empty_paragraph(admin_client, home):
    # What the rich-text editor sends for a box nobody typed in.
    data = {**NEW_PETITION, "story": rich_text("<p></p>")}

    response = form_submit(admin_client, new_petition_url(), data, button="action-publish")

    assert response.status_code == 200
    assert "the story is empty" in page_text(response)
    assert not PetitionPage.objects.filter(slug="light-the-towpath").exists()


def test_a_draft_may_be_saved_before_the_story_is_written(admin_client, home):
    data = {**NEW_PETITION, "story": rich_text("<p></p>")}

    form_submit(admin_client, new_petition_url(), data)

    assert not PetitionPage.objects.get(slug="light-the-towpath").live


def test_the_editor_refuses_a_closing_date_that_has_passed(admin_client, home):
    past = timezone.localtime() - timedelta(days=1)
    data = {**NEW_PETITION, "closes_at": past.strftime("%Y-%m-%d %H:%M")}

    response = form_submit(admin_client, new_petition_url(), data, button="action-publish")

    assert response.status_code == 200
    assert "This date has passed" in page_text(response)
    assert not PetitionPage.objects.filter(slug="light-the-towpath").exists()


# One rule for what a petition reads as, which the database's insert keeps too


moments = st.integers(min_value=-3600, max_value=3600).map(lambda s: timedelta(seconds=s))


@given(
    state=st.sampled_from(PetitionState.values),
    closes_in=st.none() | moments,
)
def test_a_petition_accepts_signatures_exactly_when_it_reads_as_open(state, closes_in):
    now = timezone.now()
    closes_at = None if closes_in is None else now + closes_in

    status = petition_status(state=state, closes_at=closes_at, now=now)

    assert accepting_signatures(state=state, closes_at=closes_at, now=now) == (
        status == PetitionState.OPEN
    )
    assert status == (
        PetitionState.CLOSED
        if state == PetitionState.OPEN and closes_at is not None and closes_at <= now
        else state
    )


@pytest.mark.parametrize("state", PetitionState.values)
@pytest.mark.parametrize("closes_in", [None, timedelta(minutes=-1), timedelta(minutes=1)])
def test_the_database_insert_agrees_with_the_petition_status_whatever_copy_the_signer_had(
    home, state, closes_in
):
    now = timezone.now()
    petition = PetitionPageFactory()
    # The sign path's copy of the petition, read while it was open with no closing date...
    copy = SigningTarget.of(petition)
    closes_at = None if closes_in is None else now + closes_in
    # ...and the petition as it is now, which only the database's insert reads.
    PetitionPage.objects.filter(pk=petition.pk).update(
        state=state, closes_at=closes_at, opened_at=now - timedelta(days=1)
    )

    accepting = accepting_signatures(state=state, closes_at=closes_at)
    signer = SignerDetails(name="Ada", postcode="CR0 1NY")

    if accepting:
        services.sign(petition=copy, signer=signer)
    else:
        with pytest.raises(ApplicationError):
            services.sign(petition=copy, signer=signer)

    assert Signature.objects.exists() == accepting


# Past its closing date: closed everywhere, without anyone running a command


@pytest.fixture
def past_its_date(home) -> PetitionPage:
    petition = PetitionPageFactory(
        slug="past-its-date", closes_at=timezone.now() + timedelta(days=1)
    )
    # The date passes; nothing runs.
    PetitionPage.objects.filter(pk=petition.pk).update(
        opened_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(seconds=1),
    )
    petition.refresh_from_db()
    assert petition.state == PetitionState.OPEN
    return petition


def test_a_petition_past_its_closing_date_reads_as_closed_on_its_page(client, past_its_date):
    html = page_text(client.get(past_its_date.url))

    assert "This petition is closed" in html
    assert 'class="sign-form"' not in html


def test_a_petition_past_its_closing_date_reads_as_closed_in_its_json(client, past_its_date):
    data = json.loads(client.get(f"/petitions/{past_its_date.slug}.json").content)

    assert data["state"] == "closed"
    assert data["accepting_signatures"] is False
    assert data["closed_at"] is not None


def test_a_petition_past_its_closing_date_reads_as_closed_in_the_list(client, past_its_date):
    html = page_text(client.get(petition_index().url))

    assert "Closed" in html
    assert "Open for signatures" not in html


def test_a_petition_past_its_closing_date_takes_no_signature(
    client, past_its_date, valid_form_data
):
    response = client.post(sign_url(past_its_date), valid_form_data)

    assert response.status_code == 409
    assert "This petition is closed" in page_text(response)
    assert not Signature.objects.exists()


def test_a_petition_past_its_closing_date_reads_as_closed_in_the_admin(admin_client, past_its_date):
    html = page_text(admin_client.get(reverse("petitions_admin:overview")))

    assert "Closed" in html
    assert "Open for signatures" not in html
    assert reverse("petitions_admin:close", args=[past_its_date.pk]) not in html


@override_settings(UNDERSIGNED_PAGE_CACHE_SECONDS=60)
def test_a_page_closing_soon_is_not_kept_by_the_page_cache_past_its_closing_time(client, home):
    petition = PetitionPageFactory(closes_at=timezone.now() + timedelta(seconds=5))

    response = client.get(petition.url)

    assert 'class="sign-form"' in page_text(response)
    assert "max-age=" in response["Cache-Control"]
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age <= 5


def test_the_worker_records_a_petition_past_its_date_as_closed_at_that_date(past_its_date):
    assert services.petitions_close_due() == 1

    past_its_date.refresh_from_db()
    assert past_its_date.state == PetitionState.CLOSED
    assert past_its_date.closed_at == past_its_date.closes_at
    assert services.petitions_close_due() == 0


# Closing, reopening and handing in belong to the petition


def test_a_closed_petition_can_be_reopened_from_the_overview(admin_client, petition):
    services.petition_close(petition=petition)
    overview = reverse("petitions_admin:overview")

    response = form_submit(
        admin_client, overview, action=reverse("petitions_admin:reopen", args=[petition.pk])
    )

    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status() == PetitionState.OPEN
    assert petition.closed_at is None


def test_a_petition_past_its_closing_date_is_not_reopened_until_the_date_moves(past_its_date):
    services.petitions_close_due()

    with pytest.raises(ApplicationError, match="closing date has passed"):
        services.petition_reopen(petition=past_its_date)


def test_a_handed_in_petition_is_not_reopened(petition):
    services.petition_handed_in_record(
        petition=petition, handed_in_at=timezone.now(), handed_in_to="the Mayor"
    )

    with pytest.raises(ApplicationError, match="handed in"):
        services.petition_reopen(petition=petition)


def test_a_copy_of_a_handed_in_petition_starts_a_new_life(petition):
    services.petition_handed_in_record(
        petition=petition, handed_in_at=timezone.now(), handed_in_to="the Mayor"
    )

    copy = petition.copy(update_attrs={"slug": "again", "title": "Again"}).specific

    assert copy.state == PetitionState.OPEN
    assert copy.handed_in_at is None
    assert copy.handed_in_to == ""
    assert copy.closed_at is None


def test_signing_refuses_a_petition_that_has_closed(petition):
    services.petition_close(petition=petition)

    with pytest.raises(ApplicationError):
        services.sign(petition=petition, signer=SignerDetails(name="Ada", postcode="CR0 1NY"))
