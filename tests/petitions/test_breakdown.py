"""Support by area: signatures by ward and constituency, the share from the target area, the map."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import (
    ConstituencyFactory,
    LocalAuthorityFactory,
    PetitionPageFactory,
    SignatureFactory,
    WardFactory,
)
from undersigned.abuse.models import RuleKind
from undersigned.abuse.services import rule_apply, rule_create, rule_restore
from undersigned.petitions import selectors, services
from undersigned.petitions.models import PetitionPage, Signature, SignatureState
from undersigned.places.boundaries import BoundaryData, ward_boundaries_upsert
from undersigned.places.maps import legend_steps
from undersigned.supporters.erasure import personal_data_erase
from undersigned.supporters.subject_access import data_subject_build

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
NORTHFIELD = "E05099991"


def square(west: float, south: float) -> dict:
    east, north = west + 0.01, south + 0.01
    ring = [[west, south], [west, north], [east, north], [east, south], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def borough(db):
    """Example Borough: three wards with outlines, in two constituencies."""
    council = LocalAuthorityFactory(code="E09000099", name="Example Borough")
    wards = {
        "northfield": WardFactory(code="E05099991", name="Northfield", local_authority=council),
        "riverside": WardFactory(code="E05099992", name="Riverside", local_authority=council),
        "parkside": WardFactory(code="E05099995", name="Parkside", local_authority=council),
    }
    ConstituencyFactory(code="E14099991", name="Example Borough North")
    ConstituencyFactory(code="E14099992", name="Example Borough South")
    ward_boundaries_upsert(
        boundaries=[
            BoundaryData(ward.code, ward.name, square(-0.12 + 0.01 * n, 51.37), council.code)
            for n, ward in enumerate(wards.values())
        ]
    )
    return council


def stored(
    petition, times: int = 1, *, ward: str = "", constituency: str = "", council: str = "", **fields
):
    """``times`` counted signatures stored with these area codes as they are (not looked up
    from a postcode, as signing through tests/signing.py would)."""
    fields.setdefault("postcode", "EB1 1AB" if ward else "")
    if not fields["postcode"]:
        fields.setdefault("address", "1 Mill Lane, Example Town")
    return [
        SignatureFactory(
            petition=petition,
            ward_code=ward,
            constituency_code=constituency,
            local_authority_code=council,
            **fields,
        )
        for _ in range(times)
    ]


@pytest.fixture
def signed(petition, borough):
    """Ten counted signatures: 5 Northfield, 3 Riverside, 1 postcode not found, 1 without."""
    stored(petition, 5, ward="E05099991", constituency="E14099991", council="E09000099")
    stored(petition, 3, ward="E05099992", constituency="E14099992", council="E09000099")
    stored(petition, 1, postcode="SW1A 1AA")
    stored(petition, 1, postcode="")
    return petition


def rows(area_counts) -> list[tuple[str, int]]:
    return [(row.name, row.count) for row in area_counts]


def test_signatures_by_ward_are_sorted_by_count_and_add_up_to_the_count(signed):
    by_ward = selectors.signature_counts_by_ward(petition=signed)

    assert rows(by_ward) == [
        ("Northfield", 5),
        ("Riverside", 3),
        ("Postcode not found", 1),
        ("No postcode given", 1),
    ]
    assert sum(row.count for row in by_ward) == selectors.signature_count(petition=signed) == 10
    assert [round(row.share, 1) for row in by_ward] == [50.0, 30.0, 10.0, 10.0]
    assert [row.located for row in by_ward] == [True, True, False, False]


def test_signatures_by_constituency_use_the_constituency_names(signed):
    by_constituency = selectors.signature_counts_by_constituency(petition=signed)
    assert rows(by_constituency) == [
        ("Example Borough North", 5),
        ("Example Borough South", 3),
        ("Postcode not found", 1),
        ("No postcode given", 1),
    ]


def test_signatures_by_council_area_use_the_councils_names(signed):
    stored(signed, 2, ward="E05000404", council="E09000404")

    assert rows(selectors.signature_counts_by_local_authority(petition=signed)) == [
        ("Example Borough", 8),
        ("Unknown (E09000404)", 2),
        ("Postcode not found", 1),
        ("No postcode given", 1),
    ]


def test_duplicates_invalidated_and_other_petitions_signatures_are_left_out(signed):
    northfield = {"ward": "E05099991", "constituency": "E14099991", "council": "E09000099"}
    original = stored(signed, **northfield)[0]
    stored(signed, **northfield, state=SignatureState.DUPLICATE, duplicate_of=original)
    stored(signed, 2, **northfield, state=SignatureState.INVALIDATED)
    stored(signed, 2, **northfield, state=SignatureState.SUSPECT)
    stored(PetitionPageFactory(), 4, **northfield)

    by_ward = selectors.signature_counts_by_ward(petition=signed)

    assert ("Northfield", 6) in rows(by_ward)
    assert sum(row.count for row in by_ward) == selectors.signature_count(petition=signed) == 11


def test_a_ward_without_a_name_is_shown_by_its_code_or_its_boundarys_name(petition, borough):
    stored(petition, 2, ward="E05000404", council="E09000404")
    ward_boundaries_upsert(
        boundaries=[BoundaryData("E05000777", "Mill Green", square(0.1, 51.3), "E09000404")]
    )
    stored(petition, 1, ward="E05000777", council="E09000404")

    assert rows(selectors.signature_counts_by_ward(petition=petition)) == [
        ("Unknown (E05000404)", 2),
        ("Mill Green", 1),
    ]


def test_the_share_from_inside_the_target_area_counts_only_its_signers(signed, borough):
    assert selectors.signature_share_in_area(petition=signed) is None

    signed.target_local_authority = borough
    signed.save()
    stored(signed, 2, ward="E05000404", council="E09000404")
    inside = selectors.signature_share_in_area(petition=signed)

    assert (inside.name, inside.count, inside.total) == ("Example Borough", 8, 12)
    assert inside.share == pytest.approx(66.67, abs=0.01)


def test_the_breakdown_is_cached_briefly_and_can_be_forgotten(signed):
    before = selectors.signature_counts_by_ward(petition=signed)
    stored(signed, 4, ward="E05099995", constituency="E14099992", council="E09000099")

    assert selectors.signature_counts_by_ward(petition=signed) == before
    selectors.signature_breakdown_forget(petition=signed)
    assert rows(selectors.signature_counts_by_ward(petition=signed))[:2] == [
        ("Northfield", 5),
        ("Parkside", 4),
    ]


def test_a_petition_without_signatures_has_an_empty_breakdown(petition):
    assert selectors.signature_counts_by_ward(petition=petition) == []
    assert selectors.signature_breakdown(petition=petition).total == 0


def parse_map(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own markup


def test_the_map_is_valid_svg_with_a_titled_path_for_each_ward(signed, borough):
    signed.target_local_authority = borough
    signed.save()
    svg = selectors.petition_ward_map_svg(petition=signed)

    root = parse_map(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert "Example Borough" in root.get("aria-label")
    paths = {path.get("data-ward"): path for path in root.iter(f"{SVG}path")}
    assert set(paths) == {"E05099991", "E05099992", "E05099995"}
    titles = {code: path.find(f"{SVG}title").text for code, path in paths.items()}
    assert titles == {
        "E05099991": "Northfield: 5 signatures",
        "E05099992": "Riverside: 3 signatures",
        "E05099995": "Parkside: 0 signatures",
    }
    assert paths["E05099991"].get("d").startswith("M")


def test_the_map_shades_wards_darker_the_more_signatures_they_have(signed, borough):
    signed.target_local_authority = borough
    signed.save()
    root = parse_map(selectors.petition_ward_map_svg(petition=signed))
    fills = {path.get("data-ward"): path.get("fill") for path in root.iter(f"{SVG}path")}
    steps = legend_steps(5)

    assert fills["E05099995"] == steps[0].colour  # none
    assert fills["E05099992"] == steps[3].colour  # 3 of 1, 2, 3, 4, 5
    assert fills["E05099991"] == steps[5].colour
    legend = [text.text for text in root.iter(f"{SVG}text")]
    assert {"Signatures per ward", "None", "1", "5"} <= set(legend)


def test_legend_ranges_are_round_numbers_that_cover_the_largest_count():
    assert [step.label for step in legend_steps(37)] == [
        "None",
        "1\u201310",
        "11\u201320",
        "21\u201330",
        "31\u201340",
        "41\u201350",
    ]
    assert legend_steps(1234)[-1].label == "1,001\u20131,250"
    assert [step.label for step in legend_steps(3)] == ["None", "1", "2", "3", "4", "5"]


def test_names_in_the_map_are_escaped(petition, borough):
    name = 'Mill <Green> & "Bridge"'
    ward_boundaries_upsert(
        boundaries=[BoundaryData("E05099996", name, square(-0.09, 51.37), "E09000099")]
    )
    stored(petition, 1, ward="E05099996", council="E09000099")

    svg = selectors.petition_ward_map_svg(petition=petition)

    assert "<Green>" not in svg
    titles = [title.text for title in parse_map(svg).iter(f"{SVG}title")]
    assert 'Mill <Green> & "Bridge": 1 signature' in titles


def test_without_a_target_the_map_shows_the_area_most_signers_live_in(signed):
    found = selectors.petition_ward_map(petition=signed)
    assert found.area_name == "Example Borough"
    assert (found.ward_count, found.on_map, found.off_map) == (3, 8, 2)


def test_there_is_no_map_when_no_boundaries_are_stored_for_the_area(petition):
    stored(petition, 2, ward="E05000404", council="E09000404")
    assert selectors.petition_ward_map(petition=petition) is None
    assert selectors.petition_ward_map_svg(petition=petition) == ""


@pytest.fixture
def mapped(signed, borough, settings):
    """The ten signatures' petition aimed at Example Borough, its map kept for five minutes."""
    settings.UNDERSIGNED_BREAKDOWN_CACHE_SECONDS = 300
    PetitionPage.objects.filter(pk=signed.pk).update(target_local_authority=borough)
    signed.target_local_authority = borough
    return signed


def northfield_on_the_map(petition) -> tuple[int, bool]:
    found = selectors.petition_ward_map(petition=petition)
    return found.on_map, "<title>Northfield: 4 signatures</title>" in found.svg


def test_invalidating_a_signature_redraws_the_map_at_once(mapped):
    assert northfield_on_the_map(mapped) == (8, False)

    services.signature_invalidate(signature=Signature.objects.filter(ward_code=NORTHFIELD)[0])

    assert northfield_on_the_map(mapped) == (7, True)
    assert selectors.signature_breakdown(petition=mapped).inside_target.count == 7


def test_applying_and_restoring_a_rule_redraws_the_map_at_once(
    mapped, django_capture_on_commit_callbacks
):
    one = Signature.objects.filter(ward_code=NORTHFIELD)[0]
    Signature.objects.filter(pk=one.pk).update(ip_hash="ab" * 16)
    assert northfield_on_the_map(mapped) == (8, False)
    rule = rule_create(petition=mapped, kind=RuleKind.IP_HASH, value="ab" * 16)

    with django_capture_on_commit_callbacks(execute=True):
        rule_apply(rule=rule)
    assert northfield_on_the_map(mapped) == (7, True)

    with django_capture_on_commit_callbacks(execute=True):
        rule_restore(rule=rule)
    assert northfield_on_the_map(mapped) == (8, False)


def test_erasing_a_signer_redraws_the_map_at_once(mapped, django_capture_on_commit_callbacks):
    assert northfield_on_the_map(mapped) == (8, False)
    email = Signature.objects.filter(ward_code=NORTHFIELD)[0].email

    with django_capture_on_commit_callbacks(execute=True):
        personal_data_erase(subject=data_subject_build(email=email), note="by letter")

    assert northfield_on_the_map(mapped) == (7, True)


def test_the_petition_page_shows_support_by_area_with_the_map_and_tables(client, signed, borough):
    signed.target_local_authority = borough
    signed.save_revision().publish()
    html = client.get(signed.url).content.decode()

    assert "Support by area" in html
    assert "<strong>80%</strong> of signatures come from inside Example Borough (8 of 10)." in html
    assert "<caption>Signatures by ward</caption>" in html
    assert '<th scope="row">Northfield</th>' in html
    assert "50.0%" in html
    assert "Example Borough North" in html
    assert "No postcode given" in html
    assert "<title>Northfield: 5 signatures</title>" in html
    assert "2 signatures come from elsewhere or could not be placed" in html


def test_the_petition_page_has_no_support_section_before_the_first_signature(client, petition):
    assert "Support by area" not in client.get(petition.url).content.decode()


def test_the_public_table_sums_up_the_smaller_wards_in_one_row(client, petition):
    for n in range(12):
        stored(petition, 12 - n, ward=f"E05{n:06d}")
    html = client.get(petition.url).content.decode()

    assert '<th scope="row">2 other wards</th>' in html
    assert '<th scope="row">Unknown (E05000011)</th>' not in html


def test_the_admin_breakdown_page_shows_every_ward_and_constituency(admin_client, signed):
    response = admin_client.get(reverse("petitions_admin:support", args=[signed.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>10</strong> counted signatures." in html
    assert '<th scope="row">Riverside</th>' in html
    assert '<th scope="row">Example Borough South</th>' in html
    assert "<title>Riverside: 3 signatures</title>" in html
    assert "Set the petition&#x27;s target area" in html or "Set the petition's target area" in html


def test_organisers_set_the_target_area_in_the_page_editor(admin_client, petition):
    html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[petition.pk])).content
    assert b'name="target_local_authority"' in html


def test_the_overview_links_to_each_petitions_breakdown(admin_client, petition):
    html = admin_client.get(reverse("petitions_admin:overview")).content.decode()
    assert reverse("petitions_admin:support", args=[petition.pk]) in html


def test_the_admin_breakdown_needs_permission_to_see_signatures(client, signed):
    editor = get_user_model().objects.create_user("editor", "e@example.org", "pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)

    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    response = client.get(reverse("petitions_admin:support", args=[signed.pk]))
    assert response.status_code == 302
    assert "Northfield" not in response.content.decode()
