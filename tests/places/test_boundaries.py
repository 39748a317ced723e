"""Ward boundaries: the GeoJSON importer, simplification, and the demo borough's outlines."""

from __future__ import annotations

import json
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from tests.factories import site_home
from undersigned.places.boundaries import (
    BoundaryData,
    BoundaryError,
    douglas_peucker,
    geometry_tidy,
    point_count,
    point_in_geometry,
    ward_boundaries_upsert,
)
from undersigned.places.demo import demo_postcodes, places_demo_load
from undersigned.places.models import LocalAuthority, Postcode, Ward, WardBoundary

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "wards-2024.geojson"


def import_boundaries(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_boundaries", str(path), *args, stdout=out)
    return out.getvalue()


def write_geojson(tmp_path: Path, data: object, name: str = "wards.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def square(west: float, south: float, size: float = 0.01) -> dict:
    east, north = west + size, south + size
    ring = [[west, south], [west, north], [east, north], [east, south], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(properties: dict, geometry: dict | None = None) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": geometry or square(-0.1, 51.37),
    }


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def test_importing_an_ons_export_stores_each_ward_with_its_name_council_and_bounding_box():
    output = import_boundaries(FIXTURE)

    assert WardBoundary.objects.count() == 4
    northfield = WardBoundary.objects.get(pk="E05099991")
    assert northfield.name == "Northfield"
    assert northfield.local_authority_code == "E09000099"
    assert (northfield.min_longitude, northfield.max_longitude) == (-0.12, -0.1)
    assert northfield.min_latitude == 51.38
    assert northfield.max_latitude == pytest.approx(51.39, abs=1e-5)
    riverside = WardBoundary.objects.get(pk="E05099992")
    assert riverside.geometry["type"] == "MultiPolygon"
    assert len(riverside.geometry["coordinates"][0]) == 2, "the hole in the first part is kept"
    assert riverside.max_longitude == -0.071
    assert "Loaded 4 ward boundaries" in output
    assert "4 new, 0 updated" in output
    assert "WD24CD" in output


def test_wards_no_names_file_has_named_take_their_names_from_the_wdnnnm_property():
    LocalAuthority.objects.create(code="E09000099", name="Example Borough")

    output = import_boundaries(FIXTURE)

    assert dict(Ward.objects.values_list("code", "name")) == {
        "E05099991": "Northfield",
        "E05099992": "Riverside",
        "E05099993": "Castle Hill",
        "E05099981": "Elsewhere Green",
    }
    assert Ward.objects.get(pk="E05099991").local_authority_id == "E09000099"
    # A council no names file has loaded is not made up from a bare code.
    assert Ward.objects.get(pk="E05099981").local_authority is None
    assert "4 ward names taken from WD24NM" in output


def test_a_ward_name_from_the_names_and_codes_files_is_kept(tmp_path):
    council = LocalAuthority.objects.create(code="E09000099", name="Example Borough")
    Ward.objects.create(code="E05099991", name="Northfield & Mill Green", local_authority=council)

    output = import_boundaries(FIXTURE)

    kept = Ward.objects.get(pk="E05099991")
    assert (kept.name, kept.local_authority_id) == ("Northfield & Mill Green", "E09000099")
    assert WardBoundary.objects.get(pk="E05099991").name == "Northfield"
    assert "3 ward names taken from WD24NM" in output


def test_importing_again_updates_the_stored_wards_instead_of_adding_them_twice(tmp_path):
    import_boundaries(FIXTURE)
    data = json.loads(FIXTURE.read_text())
    data["features"][0]["properties"]["WD24NM"] = "Northfield and Mill Green"
    output = import_boundaries(write_geojson(tmp_path, data))

    assert WardBoundary.objects.count() == 4
    assert WardBoundary.objects.get(pk="E05099991").name == "Northfield and Mill Green"
    assert "0 new, 4 updated" in output


def test_an_older_release_with_lower_case_wd22_properties_is_recognised(tmp_path):
    path = write_geojson(
        tmp_path,
        collection(feature({"wd22cd": "E05011462", "wd22nm": "Addiscombe East", "lad22cd": "X"})),
    )
    import_boundaries(path)
    assert WardBoundary.objects.get(pk="E05011462").name == "Addiscombe East"


def test_the_newest_year_is_used_when_a_file_carries_two_sets_of_codes(tmp_path):
    properties = {"WD23CD": "E05000001", "WD23NM": "Old Name", "WD24CD": "E05000002"}
    path = write_geojson(tmp_path, collection(feature({**properties, "WD24NM": "New Name"})))
    import_boundaries(path)
    assert list(WardBoundary.objects.values_list("ward_code", "name")) == [
        ("E05000002", "New Name")
    ]


def test_simplifying_drops_points_closer_to_the_line_than_the_tolerance_but_keeps_corners():
    import_boundaries(FIXTURE, "--tolerance", "5")
    ring = WardBoundary.objects.get(pk="E05099991").geometry["coordinates"][0]
    assert ring == [[-0.12, 51.38], [-0.12, 51.39], [-0.1, 51.39], [-0.1, 51.38], [-0.12, 51.38]]


def test_a_tolerance_of_zero_keeps_every_point():
    output = import_boundaries(FIXTURE, "--tolerance", "0", "--precision", "7")
    ring = WardBoundary.objects.get(pk="E05099991").geometry["coordinates"][0]
    assert len(ring) == 24
    assert "49 of 49 points kept" in output


def test_coordinates_are_rounded_to_the_precision_asked_for():
    import_boundaries(FIXTURE, "--precision", "4")
    ring = WardBoundary.objects.get(pk="E05099993").geometry["coordinates"][0]
    assert ring[0] == [-0.1212, 51.36]
    assert ring[1] == [-0.12, 51.3799]


def test_the_import_can_be_limited_to_one_council_area():
    import_boundaries(FIXTURE, "--local-authority", "e09000098")
    assert list(WardBoundary.objects.values_list("name", flat=True)) == ["Elsewhere Green"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a GeoJSON file (invalid JSON at line 1"),
        (json.dumps(feature({"WD24CD": "E05000001"})), "expected a GeoJSON FeatureCollection"),
        (json.dumps(collection()), "the FeatureCollection has no features"),
        (
            json.dumps(collection(feature({"CODE": "E05000001", "NAME": "Northfield"}))),
            "no property for the ward code (WDnnCD) or the ward name (WDnnNM). "
            "The features have: CODE, NAME",
        ),
        (
            json.dumps(
                collection(
                    feature(
                        {"WD24CD": "E05000001", "WD24NM": "Northfield"},
                        square(532000, 165000, 100),
                    )
                )
            ),
            "British National Grid",
        ),
        (
            json.dumps(
                collection(
                    feature(
                        {"WD24CD": "E05000001", "WD24NM": "Northfield"},
                        {"type": "Point", "coordinates": [-0.1, 51.37]},
                    )
                )
            ),
            "feature 1 (E05000001): expected a Polygon or MultiPolygon geometry, found 'Point'",
        ),
    ],
)
def test_a_file_that_cannot_be_used_gets_a_message_saying_why(tmp_path, content, message):
    with pytest.raises(CommandError) as raised:
        import_boundaries(write_geojson(tmp_path, content))
    assert message in str(raised.value)


def test_a_file_in_british_national_grid_is_refused_by_its_crs(tmp_path):
    data = collection(feature({"WD24CD": "E05000001", "WD24NM": "Northfield"}))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    with pytest.raises(CommandError, match="not longitude/latitude"):
        import_boundaries(write_geojson(tmp_path, data))


def test_one_bad_feature_means_nothing_is_imported_and_the_message_names_it(tmp_path):
    good = feature({"WD24CD": "E05000001", "WD24NM": "Northfield"})
    unnamed = feature({"WD24CD": "E05000002", "WD24NM": ""})
    with pytest.raises(CommandError, match=r"feature 2 \(E05000002\): the ward code or name"):
        import_boundaries(write_geojson(tmp_path, collection(good, unnamed)))
    assert not WardBoundary.objects.exists()


def test_a_missing_file_is_reported_plainly(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_boundaries(tmp_path / "missing.geojson")


def test_a_ward_code_repeated_in_one_file_is_refused(tmp_path):
    twice = feature({"WD24CD": "E05000001", "WD24NM": "Northfield"})
    with pytest.raises(CommandError, match="ward codes appear more than once: E05000001"):
        import_boundaries(write_geojson(tmp_path, collection(twice, twice)))


def test_douglas_peucker_keeps_only_points_further_than_the_tolerance_from_the_line():
    wobble = [(0, 0), (1, 0.1), (2, -0.1), (3, 0.05), (4, 0)]
    spike = [(0, 0), (1, 0.1), (2, 3), (3, -0.1), (4, 0)]
    assert douglas_peucker(wobble, tolerance=1) == [0, 4]
    assert douglas_peucker(spike, tolerance=1) == [0, 2, 4]
    assert douglas_peucker(spike, tolerance=0.01) == [0, 1, 2, 3, 4]


def test_a_hole_smaller_than_the_tolerance_is_dropped_but_the_outline_stays():
    outline = [[-0.1, 51.37], [-0.1, 51.38], [-0.09, 51.38], [-0.09, 51.37], [-0.1, 51.37]]
    speck = [[-0.095, 51.375], [-0.095, 51.37501], [-0.09499, 51.375], [-0.095, 51.375]]
    tidy = geometry_tidy({"type": "Polygon", "coordinates": [outline, speck]}, tolerance=10)
    assert tidy["coordinates"] == [outline]


def test_an_unclosed_ring_is_closed():
    ring = [[-0.1, 51.37], [-0.1, 51.38], [-0.09, 51.38]]
    tidy = geometry_tidy({"type": "Polygon", "coordinates": [ring]})
    assert tidy["coordinates"][0][-1] == [-0.1, 51.37]
    assert point_count(tidy) == 4


def test_the_database_refuses_a_boundary_that_is_not_a_polygon():
    with pytest.raises(IntegrityError), transaction.atomic():
        WardBoundary.objects.create(
            ward_code="E05000001",
            name="Northfield",
            geometry={"type": "Point", "coordinates": [-0.1, 51.37]},
            min_longitude=-0.1,
            min_latitude=51.37,
            max_longitude=-0.1,
            max_latitude=51.37,
        )


def test_storing_boundaries_directly_checks_them_first():
    with pytest.raises(BoundaryError):
        ward_boundaries_upsert(
            boundaries=[BoundaryData("E05000001", "Northfield", {"type": "Polygon"})]
        )
    assert not WardBoundary.objects.exists()


def test_the_demo_gives_each_ward_an_outline_around_its_own_postcodes():
    places_demo_load(home=site_home())
    places_demo_load(home=site_home())

    boundaries = {b.ward_code: b for b in WardBoundary.objects.all()}
    assert len(boundaries) == 5
    assert {b.local_authority_code for b in boundaries.values()} == {"E09000099"}
    for postcode, ward_code in demo_postcodes():
        place = Postcode.objects.get(pk=postcode)
        for code, boundary in boundaries.items():
            inside = point_in_geometry(boundary.geometry, (place.longitude, place.latitude))
            assert inside == (code == ward_code), f"{postcode} and {boundary.name}"


def test_neighbouring_demo_wards_share_their_edges_exactly():
    places_demo_load(home=site_home())
    edges: dict[tuple, int] = {}
    for boundary in WardBoundary.objects.all():
        ring = [tuple(point) for point in boundary.geometry["coordinates"][0]]
        for start, end in pairwise(ring):
            key = (min(start, end), max(start, end))
            edges[key] = edges.get(key, 0) + 1
    shared = [key for key, times in edges.items() if times == 2]
    assert len(shared) >= 4 * 5, "each of the borders inside the borough is walked twice"
    assert max(edges.values()) == 2
