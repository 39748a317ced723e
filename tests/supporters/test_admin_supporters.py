"""The supporter list in the admin: search, filters, one person's page, unsubscribe and erase
on their request, and the CSV export (confirmed people only, safe to open in a spreadsheet)."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ConfirmedSignerFactory,
    ConsentEventFactory,
    ConstituencyFactory,
    PetitionPageFactory,
    SupporterFactory,
    WardFactory,
)
from tests.html_forms import form_submit, form_submit_on
from undersigned.petitions.models import Signature
from undersigned.supporters.models import (
    ConsentEvent,
    ConsentKind,
    ConsentSource,
    Supporter,
    SupporterStatus,
)

pytestmark = pytest.mark.django_db

INDEX = "supporters_supporter:index"
PERSON = re.compile(r">\s*Person \d\d\s*<")


def detail_url(supporter: Supporter) -> str:
    return reverse("supporters_supporter:inspect", args=[supporter.pk])


def listed(client: Client, **query) -> str:
    response = client.get(reverse(INDEX), query)
    assert response.status_code == 200
    return response.content.decode()


def exported(client: Client, **query) -> list[list[str]]:
    response = client.get(reverse("supporters_admin:export"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="supporters-')
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def north(db):
    return WardFactory(name="Northfield")


@pytest.fixture
def south(db):
    return WardFactory(name="Southbank")


def test_the_organiser_finds_the_list_in_the_petitions_menu_and_pages_through_fifty_at_a_time(
    admin_client,
):
    for n in range(51):
        SupporterFactory(name=f"Person {n:02d}")

    first = listed(admin_client)
    second = listed(admin_client, p=2)

    assert reverse(INDEX) in admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert len(PERSON.findall(first)) == 50
    assert "Person 50" in first  # newest first
    assert len(PERSON.findall(second)) == 1
    assert "Person 00" in second


def test_search_finds_by_name_email_or_postcode_typed_any_way(admin_client):
    SupporterFactory(name="Ada Lovelace", email="ada@example.org", postcode="CR0 1NY")
    SupporterFactory(name="Grace Hopper", email="grace@navy.example", postcode="EB1 1AB")

    assert "Ada Lovelace" in listed(admin_client, q="lovelace")
    assert "Grace Hopper" not in listed(admin_client, q="lovelace")
    assert "Grace Hopper" in listed(admin_client, q="navy.example")
    assert "Ada Lovelace" in listed(admin_client, q="cr01ny")
    assert "Grace Hopper" not in listed(admin_client, q="cr01ny")


def test_filters_by_ward_constituency_status_petition_and_signed_up_dates(
    admin_client, north, south, petition
):
    constituency = ConstituencyFactory(name="Croydon East")
    now = timezone.now()
    SupporterFactory(name="North Person", ward_code=north.code)
    SupporterFactory(name="South Person", ward_code=south.code, constituency_code=constituency.code)
    SupporterFactory(name="Waiting Person", status="unconfirmed", confirmed_at=None)
    SupporterFactory(name="Petition Person", source_petition=petition)
    SupporterFactory(name="Old Person", signed_up_at=now - datetime.timedelta(days=400))

    by_ward = listed(admin_client, ward_code=north.code)
    assert "North Person" in by_ward
    assert "South Person" not in by_ward
    assert "Northfield" in by_ward  # the ward's name, not its code, in the list
    assert "South Person" in listed(admin_client, constituency_code=constituency.code)
    assert "North Person" not in listed(admin_client, constituency_code=constituency.code)
    by_status = listed(admin_client, status="unconfirmed")
    assert "Waiting Person" in by_status
    assert "North Person" not in by_status
    by_petition = listed(admin_client, source_petition=petition.pk)
    assert "Petition Person" in by_petition
    assert "North Person" not in by_petition
    last_year = (now - datetime.timedelta(days=500)).date().isoformat()
    a_month_ago = (now - datetime.timedelta(days=30)).date().isoformat()
    by_date = listed(admin_client, signed_up_at_from=last_year, signed_up_at_to=a_month_ago)
    assert "Old Person" in by_date
    assert "North Person" not in by_date


def test_one_persons_page_shows_their_details_consents_and_signatures(admin_client, north):
    petition = PetitionPageFactory(title="Save the lido")
    signature = ConfirmedSignerFactory(petition=petition, email="ada@example.org")
    Supporter.objects.filter(email="ada@example.org").update(
        name="Ada Lovelace", postcode="CR0 1NY", ward_code=north.code
    )
    ConsentEventFactory(
        email="ada@example.org",
        petition=petition,
        wording="Keep me up to date about the lido.",
        wording_version="lido-1",
        signature=signature,
    )
    ConsentEventFactory(email="someone-else@example.org", wording="Not Ada's consent.")

    page = admin_client.get(detail_url(Supporter.objects.get(email="ada@example.org")))

    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("Ada Lovelace", "CR0 1NY", "Northfield", "Confirmed", "Save the lido"):
        assert shown in html
    assert "Keep me up to date about the lido." in html
    assert "lido-1" in html
    assert "Sign form" in html
    assert str(signature.get_state_display()) in html
    assert "Not Ada&#x27;s consent." not in html


def test_the_organiser_unsubscribes_someone_on_request_after_confirming(admin_client, organiser):
    lido, library = PetitionPageFactory(), PetitionPageFactory()
    ConfirmedSignerFactory(petition=lido, email="ada@example.org")
    ConfirmedSignerFactory(petition=library, email="ada@example.org")
    supporter = Supporter.objects.get(email="ada@example.org")
    confirm_url = reverse("supporters_supporter:unsubscribe", args=[supporter.pk])
    assert confirm_url in admin_client.get(detail_url(supporter)).content.decode()

    unticked = form_submit(admin_client, confirm_url, {"confirm": None})
    assert unticked.status_code == 200
    assert "Tick the box" in unticked.content.decode()
    supporter.refresh_from_db()
    assert supporter.status == SupporterStatus.CONFIRMED

    done = form_submit(admin_client, confirm_url, {"confirm": "on"})

    assert done.status_code == 302
    supporter.refresh_from_db()
    assert supporter.status == SupporterStatus.UNSUBSCRIBED
    assert not Signature.objects.filter(email="ada@example.org", wants_updates=True).exists()
    withdrawals = ConsentEvent.objects.filter(email="ada@example.org", kind=ConsentKind.WITHDRAWN)
    assert {event.petition_id for event in withdrawals} == {lido.pk, library.pk}
    assert {(event.source, event.recorded_by) for event in withdrawals} == {
        (ConsentSource.ORGANISER, organiser)
    }


def test_erasing_from_a_persons_page_goes_through_the_privacy_erasure_with_its_confirm_step(
    admin_client,
):
    ConfirmedSignerFactory(petition=PetitionPageFactory(), email="ada@example.org")
    supporter = Supporter.objects.get(email="ada@example.org")

    confirm = form_submit(
        admin_client, detail_url(supporter), action=reverse("privacy_admin:erase")
    )
    assert confirm.status_code == 200
    assert Signature.objects.filter(email="ada@example.org").exists()  # nothing gone yet

    erased = form_submit_on(admin_client, confirm, {"note": "request by email"})

    assert erased.status_code == 302
    assert not Signature.objects.filter(email="ada@example.org").exists()


def test_the_export_holds_confirmed_supporters_only_with_area_names_and_the_filters_applied(
    admin_client, north, south
):
    constituency = ConstituencyFactory(name="Croydon East")
    lido = PetitionPageFactory(title="Save the lido")
    SupporterFactory(
        name="Ada Lovelace",
        email="ada@example.org",
        postcode="CR0 1NY",
        ward_code=north.code,
        constituency_code=constituency.code,
        source_petition=lido,
        signed_up_at=timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 30)),
    )
    SupporterFactory(name="South Person", ward_code=south.code)
    SupporterFactory(name="Waiting", ward_code=north.code, status="unconfirmed", confirmed_at=None)
    SupporterFactory(name="Gone", ward_code=north.code, status="unsubscribed")

    rows = exported(admin_client, ward_code=north.code)

    assert rows == [
        [
            "Name",
            "Email",
            "Postcode",
            "Ward",
            "Constituency",
            "Signed up",
            "Signed up on (petition)",
        ],
        [
            "Ada Lovelace",
            "ada@example.org",
            "CR0 1NY",
            "Northfield",
            "Croydon East",
            "2026-11-02 09:30",
            "Save the lido",
        ],
    ]
    assert len(exported(admin_client)) == 3  # the header, Ada and South Person
    assert [row[0] for row in exported(admin_client, q="south")[1:]] == ["South Person"]


def test_the_export_disarms_cells_a_spreadsheet_would_run_as_formulas(admin_client):
    SupporterFactory(name='=HYPERLINK("http://evil.example")', email="x@example.org")
    SupporterFactory(name="Anne-Marie", email="anne@example.org")

    names = {row[0] for row in exported(admin_client)[1:]}

    assert names == {'\'=HYPERLINK("http://evil.example")', "Anne-Marie"}


def test_the_list_and_export_need_their_permissions(admin_client, home):
    stranger = get_user_model().objects.create_user("stranger", "s@example.org", "pw")
    client = Client(enforce_csrf_checks=True)
    client.force_login(stranger)
    supporter = SupporterFactory()

    assert client.get(reverse(INDEX)).status_code in (302, 403)
    assert client.get(reverse("supporters_admin:export")).status_code in (302, 403)
    assert client.get(detail_url(supporter)).status_code in (302, 403)
    assert "Export confirmed supporters" in listed(admin_client)
