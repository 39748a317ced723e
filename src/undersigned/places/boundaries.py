"""Ward boundaries: checking, simplifying and storing GeoJSON outlines for the support map.

Geometries are GeoJSON ``Polygon`` or ``MultiPolygon`` objects in longitude/latitude (WGS 84),
the layout of the ONS Open Geography Portal's GeoJSON exports. Simplification measures its
tolerance in metres on a local flat projection, which is exact enough for a ward.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

from django.db import transaction

from undersigned.places.models import LocalAuthority, Ward, WardBoundary

# Metres per degree of latitude (and of longitude at the equator), on a sphere of Earth's size.
METRES_PER_DEGREE = 111_195.0

Point = tuple[float, float]
Ring = list[Point]


class BoundaryError(ValueError):
    """A geometry that cannot be stored as a ward boundary; the message says why."""


class BoundariesStored(NamedTuple):
    added: int
    updated: int
    # Wards that no names-and-codes file had named, now named after their boundary.
    wards_named: int


@dataclass(frozen=True)
class BoundaryData:
    """One ward's outline, ready to be stored."""

    ward_code: str
    name: str
    geometry: dict
    local_authority_code: str = ""


def _position(value: object) -> Point:
    if (
        not isinstance(value, list | tuple)
        or len(value) < 2
        or not all(isinstance(n, int | float) and not isinstance(n, bool) for n in value[:2])
    ):
        raise BoundaryError(f"a position must be [longitude, latitude], found {value!r:.60}")
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise BoundaryError("a position is not a finite number")
    if abs(lon) > 180 or abs(lat) > 90:
        raise BoundaryError(
            f"the position [{lon:g}, {lat:g}] is not a longitude and latitude; the file may be "
            "in British National Grid (EPSG:27700) eastings and northings. Download the GeoJSON "
            "export, which is in longitude/latitude (WGS 84)"
        )
    return lon, lat


def _ring(value: object) -> Ring:
    if not isinstance(value, list):
        raise BoundaryError("a polygon ring must be a list of positions")
    ring = [_position(item) for item in value]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        raise BoundaryError("a polygon ring needs at least four positions")
    return ring


def polygons(geometry: object) -> list[list[Ring]]:
    """The polygons of a GeoJSON ``Polygon`` or ``MultiPolygon``: each is [outer, *holes]."""
    if not isinstance(geometry, dict):
        raise BoundaryError("the feature has no geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise BoundaryError(f"expected a Polygon or MultiPolygon geometry, found {kind!r}")
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError(f"the {kind} has no coordinates")
    parts = [coordinates] if kind == "Polygon" else coordinates
    result = []
    for part in parts:
        if not isinstance(part, list) or not part:
            raise BoundaryError("a polygon must be a list of rings")
        result.append([_ring(ring) for ring in part])
    return result


def _to_metres(ring: Sequence[Point], latitude: float) -> list[Point]:
    across = METRES_PER_DEGREE * math.cos(math.radians(latitude))
    return [(lon * across, lat * METRES_PER_DEGREE) for lon, lat in ring]


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[int]:
    """Indexes of the points to keep so no dropped point is further than ``tolerance`` away."""
    last = len(points) - 1
    if last < 2:
        return list(range(len(points)))
    keep = {0, last}
    limit = tolerance * tolerance
    stack = [(0, last)]
    while stack:
        first, end = stack.pop()
        (ax, ay), (bx, by) = points[first], points[end]
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        worst, worst_at = -1.0, -1
        for index in range(first + 1, end):
            px, py = points[index][0] - ax, points[index][1] - ay
            t = 0.0 if length == 0 else min(1.0, max(0.0, (px * dx + py * dy) / length))
            distance = (px - t * dx) ** 2 + (py - t * dy) ** 2
            if distance > worst:
                worst, worst_at = distance, index
        if worst_at >= 0 and worst > limit:
            keep.add(worst_at)
            stack.extend([(first, worst_at), (worst_at, end)])
    return sorted(keep)


def _tidy_ring(ring: Ring, *, tolerance: float, precision: int) -> Ring | None:
    """The ring simplified and rounded, or ``None`` if it collapses below a triangle."""
    if tolerance > 0:
        latitude = sum(lat for _lon, lat in ring) / len(ring)
        kept = douglas_peucker(_to_metres(ring, latitude), tolerance)
        ring = [ring[index] for index in kept]
    tidy: Ring = []
    for lon, lat in ring:
        point = (round(lon, precision), round(lat, precision))
        if not tidy or tidy[-1] != point:
            tidy.append(point)
    return tidy if len(tidy) >= 4 and tidy[0] == tidy[-1] else None


def geometry_tidy(geometry: object, *, tolerance: float = 0.0, precision: int = 6) -> dict:
    """A checked copy of ``geometry``, simplified to ``tolerance`` metres and rounded.

    A hole that simplification would collapse is dropped; an outer ring that would collapse
    is kept as it was (rounded), so that no ward disappears from the map.
    """
    result = []
    for outer, *holes in polygons(geometry):
        tidy_outer = _tidy_ring(outer, tolerance=tolerance, precision=precision)
        if tidy_outer is None:
            tidy_outer = [(round(lon, precision), round(lat, precision)) for lon, lat in outer]
        tidy_holes = [
            tidy
            for hole in holes
            if (tidy := _tidy_ring(hole, tolerance=tolerance, precision=precision)) is not None
        ]
        result.append([[list(point) for point in ring] for ring in [tidy_outer, *tidy_holes]])
    if len(result) == 1:
        return {"type": "Polygon", "coordinates": result[0]}
    return {"type": "MultiPolygon", "coordinates": result}


def point_count(geometry: object) -> int:
    return sum(len(ring) for polygon in polygons(geometry) for ring in polygon)


def geometry_bbox(geometry: object) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a Polygon or MultiPolygon."""
    points = [point for polygon in polygons(geometry) for point in polygon[0]]
    lons = [lon for lon, _lat in points]
    lats = [lat for _lon, lat in points]
    return min(lons), min(lats), max(lons), max(lats)


def point_in_geometry(geometry: object, point: Point) -> bool:
    """Whether ``point`` (lon, lat) lies inside the geometry (even-odd rule, holes excluded)."""
    x, y = point
    inside = False
    for polygon in polygons(geometry):
        for ring in polygon:
            for (x1, y1), (x2, y2) in pairwise(ring):
                if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


def _wards_name_from(boundaries: list[WardBoundary]) -> int:
    """Add the wards that nothing has named yet, with their boundary's name and council.

    A name from the ONS names-and-codes files (``import-postcodes --names``) is kept; this
    only fills the gaps, so that a site loaded from the postcodes and boundaries alone shows
    "Castle Hill" rather than a bare code. Returns how many wards were added or named.
    """
    codes = [boundary.ward_code for boundary in boundaries]
    named = set()
    for start in range(0, len(codes), 500):
        named.update(
            Ward.objects.filter(code__in=codes[start : start + 500])
            .exclude(name="")
            .values_list("code", flat=True)
        )
    unnamed = [boundary for boundary in boundaries if boundary.ward_code not in named]
    authorities = {b.local_authority_code for b in unnamed if b.local_authority_code}
    known = set(LocalAuthority.objects.filter(code__in=authorities).values_list("code", flat=True))
    wards = [
        Ward(
            code=boundary.ward_code,
            name=boundary.name,
            local_authority_id=boundary.local_authority_code
            if boundary.local_authority_code in known
            else None,
        )
        for boundary in unnamed
    ]
    Ward.objects.bulk_create(
        wards,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name"],
    )
    return len(wards)


@transaction.atomic
def ward_boundaries_upsert(*, boundaries: Iterable[BoundaryData]) -> BoundariesStored:
    """Store ``boundaries`` in one transaction, replacing any with the same ward code.

    Wards no names-and-codes file has named take the boundary's name.
    """
    rows = []
    for boundary in boundaries:
        geometry = geometry_tidy(boundary.geometry, tolerance=0, precision=7)
        west, south, east, north = geometry_bbox(geometry)
        rows.append(
            WardBoundary(
                ward_code=boundary.ward_code,
                name=boundary.name,
                local_authority_code=boundary.local_authority_code,
                geometry=geometry,
                min_longitude=west,
                min_latitude=south,
                max_longitude=east,
                max_latitude=north,
            )
        )
    codes = [row.ward_code for row in rows]
    repeated = sorted(code for code, times in Counter(codes).items() if times > 1)
    if repeated:
        raise BoundaryError(f"ward codes appear more than once: {', '.join(repeated[:5])}")
    existing = set()
    for start in range(0, len(codes), 500):
        existing.update(
            WardBoundary.objects.filter(ward_code__in=codes[start : start + 500]).values_list(
                "ward_code", flat=True
            )
        )
    WardBoundary.objects.bulk_create(
        rows,
        batch_size=200,
        update_conflicts=True,
        unique_fields=["ward_code"],
        update_fields=[
            "name",
            "local_authority_code",
            "geometry",
            "min_longitude",
            "min_latitude",
            "max_longitude",
            "max_latitude",
            "updated_at",
        ],
    )
    return BoundariesStored(
        added=len(set(codes) - existing),
        updated=len(existing),
        wards_named=_wards_name_from(rows),
    )
