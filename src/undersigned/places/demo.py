"""Demo places for the fictional Example Borough: wards, postcodes and a team page per ward.

Safe to load again: areas are kept by their code and pages by their slug, so nothing is
duplicated and an organiser's edits to the demo pages survive.

The postcodes use the area letters ``EB``, which no real UK postcode area has, so that the
demo never claims a real street for a fictional ward.
"""

from __future__ import annotations

import math
import random

from django.db import transaction
from wagtail.models import Page

from undersigned.places.boundaries import BoundaryData, ward_boundaries_upsert
from undersigned.places.models import (
    Constituency,
    LocalAuthority,
    Postcode,
    Ward,
    WardTeamIndexPage,
    WardTeamMember,
    WardTeamPage,
)
from undersigned.site.pages import child_page_ensure

LOCAL_AUTHORITY = ("E09000099", "Example Borough")
CONSTITUENCIES = {
    "E14099991": "Example Borough North",
    "E14099992": "Example Borough South",
}

# code, name, constituency, centre (lat, long), members
WARDS = [
    (
        "E05099991",
        "Northfield",
        "E14099991",
        (51.3905, -0.1080),
        [
            (
                "Cllr Priya Shah",
                "Councillor",
                "Second Saturday of the month, 10am to noon, Northfield Library",
                "020 7946 0101",
                "priya.shah@example.org",
            ),
            ("Tom Okafor", "Candidate", "", "", "tom.okafor@example.org"),
        ],
    ),
    (
        "E05099992",
        "Riverside",
        "E14099991",
        (51.3820, -0.0870),
        [
            (
                "Cllr Helen Marsh",
                "Councillor",
                "First Friday of the month, 6pm to 7pm, Riverside Community Centre",
                "020 7946 0102",
                "helen.marsh@example.org",
            ),
            ("Cllr Dev Patel", "Councillor", "By appointment", "020 7946 0103", ""),
        ],
    ),
    (
        "E05099993",
        "Castle Hill",
        "E14099992",
        (51.3690, -0.1150),
        [
            (
                "Cllr Margaret Ellis",
                "Councillor",
                "Last Saturday of the month, 11am, Castle Hill Methodist Hall",
                "020 7946 0104",
                "margaret.ellis@example.org",
            ),
            ("Sam Achebe", "Candidate", "", "", ""),
        ],
    ),
    (
        "E05099994",
        "Old Town",
        "E14099992",
        (51.3590, -0.0960),
        [
            (
                "Cllr Ian Brooks",
                "Councillor",
                "Every other Tuesday, 7pm, Old Town Library",
                "020 7946 0105",
                "ian.brooks@example.org",
            ),
            ("Lucy Fernandes", "Candidate", "", "", "lucy.fernandes@example.org"),
        ],
    ),
    (
        "E05099995",
        "Parkside",
        "E14099992",
        (51.3520, -0.1100),
        [
            (
                "Cllr Owen Hughes",
                "Councillor",
                "First Monday of the month, 6.30pm, Parkside Pavilion",
                "020 7946 0106",
                "owen.hughes@example.org",
            ),
            ("Aisha Rahman", "Candidate", "", "", ""),
        ],
    ),
]

# Four postcodes per ward: EB1 is Northfield, EB2 Riverside, and so on.
POSTCODE_UNITS = ["1AB", "2DE", "3FG", "4HJ"]
POSTCODE_OFFSETS = [(0.0020, -0.0030), (-0.0015, 0.0025), (0.0030, 0.0040), (-0.0025, -0.0020)]

# The borough's outline (longitude, latitude), a convex shape around the five wards. Each ward
# is the part of it nearer its centre than any other (a Voronoi cell), with wobbly edges.
BOROUGH_OUTLINE = [
    (-0.1300, 51.3720),
    (-0.1250, 51.3920),
    (-0.1100, 51.4020),
    (-0.0900, 51.3985),
    (-0.0740, 51.3850),
    (-0.0770, 51.3620),
    (-0.0900, 51.3450),
    (-0.1120, 51.3395),
    (-0.1260, 51.3520),
]
# Each straight edge becomes this many wobbly pieces, bent by up to this share of its length.
EDGE_PIECES = 5
EDGE_WOBBLE = 0.07

INDEX_INTRO = (
    "<p>Each ward has a local team of councillors and candidates who hold surgeries, take up "
    "residents' concerns and report back. Find your team below, or enter your postcode.</p>"
)


def demo_postcodes() -> list[tuple[str, str]]:
    """(postcode, ward code) for each demo postcode."""
    return [
        (f"EB{number} {unit}", ward[0])
        for number, ward in enumerate(WARDS, start=1)
        for unit in POSTCODE_UNITS
    ]


def _areas_load() -> None:
    authority, _ = LocalAuthority.objects.update_or_create(
        code=LOCAL_AUTHORITY[0], defaults={"name": LOCAL_AUTHORITY[1]}
    )
    for code, name in CONSTITUENCIES.items():
        Constituency.objects.update_or_create(code=code, defaults={"name": name})
    for number, (code, name, constituency, (lat, long), _members) in enumerate(WARDS, start=1):
        Ward.objects.update_or_create(
            code=code, defaults={"name": name, "local_authority": authority}
        )
        for unit, (dlat, dlong) in zip(POSTCODE_UNITS, POSTCODE_OFFSETS, strict=True):
            Postcode.objects.update_or_create(
                postcode=f"EB{number} {unit}",
                defaults={
                    "ward_code": code,
                    "constituency_code": constituency,
                    "local_authority_code": authority.code,
                    "latitude": round(lat + dlat, 6),
                    "longitude": round(long + dlong, 6),
                },
            )


Point = tuple[float, float]
_ACROSS = math.cos(math.radians(51.37))  # degrees of longitude are this much shorter here


def _half_plane_clip(polygon: list[Point], site: Point, other: Point) -> list[Point]:
    """The part of ``polygon`` nearer ``site`` than ``other`` (one Sutherland-Hodgman step)."""
    nx, ny = other[0] - site[0], other[1] - site[1]
    mx, my = (site[0] + other[0]) / 2, (site[1] + other[1]) / 2

    def side(point: Point) -> float:
        return (point[0] - mx) * nx + (point[1] - my) * ny

    clipped = []
    for index, point in enumerate(polygon):
        following = polygon[(index + 1) % len(polygon)]
        here, there = side(point), side(following)
        if here <= 0:
            clipped.append(point)
        if (here < 0 < there) or (there < 0 < here):
            t = here / (here - there)
            clipped.append(
                (point[0] + t * (following[0] - point[0]), point[1] + t * (following[1] - point[1]))
            )
    return clipped


def _wobbly_edge(start: Point, end: Point) -> list[Point]:
    """Points strictly between ``start`` and ``end``, the same whichever way the edge is walked.

    Neighbouring wards share each edge, so the wobble is seeded by the edge itself.
    """
    if end < start:
        return list(reversed(_wobbly_edge(end, start)))
    rng = random.Random(f"{start}{end}")  # noqa: S311 - a drawing, not a secret
    (x1, y1), (x2, y2) = (start[0] * _ACROSS, start[1]), (end[0] * _ACROSS, end[1])
    points = []
    for piece in range(1, EDGE_PIECES):
        t = piece / EDGE_PIECES
        bend = rng.uniform(-EDGE_WOBBLE, EDGE_WOBBLE)
        x = x1 + t * (x2 - x1) - bend * (y2 - y1)
        y = y1 + t * (y2 - y1) + bend * (x2 - x1)
        points.append((round(x / _ACROSS, 6), round(y, 6)))
    return points


def demo_ward_geometries() -> dict[str, dict]:
    """A GeoJSON Polygon for each demo ward: the borough outline shared out between them."""
    outline = [(lon * _ACROSS, lat) for lon, lat in BOROUGH_OUTLINE]
    sites = {code: (long * _ACROSS, lat) for code, _n, _c, (lat, long), _m in WARDS}
    geometries = {}
    for code, site in sites.items():
        cell = outline
        for other_code, other in sites.items():
            if other_code != code:
                cell = _half_plane_clip(cell, site, other)
        rounded = [(round(x / _ACROSS, 6), round(y, 6)) for x, y in cell]
        corners = [point for index, point in enumerate(rounded) if point != rounded[index - 1]]
        ring: list[Point] = []
        for index, corner in enumerate(corners):
            ring.append(corner)
            ring.extend(_wobbly_edge(corner, corners[(index + 1) % len(corners)]))
        ring.append(ring[0])
        geometries[code] = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
    return geometries


def _boundaries_load() -> None:
    names = {code: name for code, name, *_rest in WARDS}
    ward_boundaries_upsert(
        boundaries=[
            BoundaryData(
                ward_code=code,
                name=names[code],
                geometry=geometry,
                local_authority_code=LOCAL_AUTHORITY[0],
            )
            for code, geometry in demo_ward_geometries().items()
        ]
    )


def _teams_load(home: Page) -> WardTeamIndexPage:
    index = child_page_ensure(
        home,
        WardTeamIndexPage,
        "ward-teams",
        title="Ward teams",
        show_in_menus=True,
        intro=INDEX_INTRO,
    )
    for code, name, _constituency, _centre, members in WARDS:
        slug = name.lower().replace(" ", "-")
        if index.get_children().filter(slug=slug).exists():
            continue
        team = WardTeamPage(
            slug=slug,
            title=name,
            ward=Ward.objects.get(pk=code),
            intro=(
                f"<p>Your local team for {name} ward. Come and see us at a surgery, or send "
                "us a message: we answer all our residents' correspondence.</p>"
            ),
            team_email=f"{slug}@example.org",
        )
        for person, role, surgery, phone, email in members:
            team.members.add(
                WardTeamMember(
                    name=person, role=role, surgery_times=surgery, phone=phone, email=email
                )
            )
        index.add_child(instance=team)
        team.save_revision().publish()
    return index


@transaction.atomic
def places_demo_load(*, home: Page) -> None:
    """Load Example Borough's areas, postcodes and ward boundaries, and a ward teams section."""
    _areas_load()
    _boundaries_load()
    _teams_load(home)
