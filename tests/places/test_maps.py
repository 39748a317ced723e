"""The support map draws whatever counts it is given: places knows nothing of petitions."""

from __future__ import annotations

import pytest

from tests.factories import LocalAuthorityFactory, WardFactory
from undersigned.places.boundaries import BoundaryData, ward_boundaries_upsert
from undersigned.places.maps import ward_map

pytestmark = pytest.mark.django_db


def _square(west: float) -> dict:
    ring = [[west, 51.37], [west, 51.38], [west + 0.01, 51.38], [west + 0.01, 51.37]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_the_map_of_an_area_draws_the_counts_passed_to_it():
    council = LocalAuthorityFactory(code="E09000098", name="Sample Borough")
    wards = [
        WardFactory(code=f"E0509888{n}", name=name, local_authority=council)
        for n, name in enumerate(["Hilltop", "Lowmead"])
    ]
    ward_boundaries_upsert(
        boundaries=[
            BoundaryData(ward.code, ward.name, _square(-0.2 + 0.01 * n), council.code)
            for n, ward in enumerate(wards)
        ]
    )

    drawn = ward_map(
        area_code=council.code,
        counts={wards[0].code: 4, "E05000001": 2},
        names={wards[0].code: "Hilltop", "E05000001": "Elsewhere"},
        total=9,
    )

    assert (drawn.area_name, drawn.ward_count) == ("Sample Borough", 2)
    assert (drawn.on_map, drawn.off_map) == (4, 5)
    assert "Hilltop: 4 signatures" in drawn.svg
    assert "Lowmead: 0 signatures" in drawn.svg


def test_an_area_without_stored_boundaries_has_no_map():
    assert ward_map(area_code="E09000404", counts={}, names={}, total=0) is None
