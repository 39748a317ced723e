"""The support map: a council area's wards drawn as an SVG choropleth, on the server.

Plain SVG markup with its colours in attributes, so the same string works on the petition
page, in the admin, in print and in the hand-in PDF, with no JavaScript and no stylesheet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undersigned.places import selectors as places_selectors
from undersigned.places.boundaries import polygons
from undersigned.places.models import WardBoundary

# Light to dark, one hue. Neighbouring steps differ clearly in lightness; text on the two
# darkest is white (contrast 4.5:1 or more), on the rest it is ink.
SCALE = ["#d4e9f2", "#9fcde0", "#5fa8c6", "#2b7ca1", "#0b4f6c"]
NO_SIGNATURES = "#e7e9ec"
INK = "#1b1f24"
BORDER = "#ffffff"
WHITE_TEXT_FROM_STEP = 3

# The drawing is at most this wide and the map at most this high (SVG units, about pixels);
# a tall area gets a narrower drawing, so that on a phone it is shown near its own size.
MAX_WIDTH = 480
MIN_WIDTH = 340
MAX_MAP_HEIGHT = 500
PADDING = 8
LEGEND_FONT_SIZE = 16
LEGEND_ROW = 30
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
# Wards are named on the map itself when there are few enough for the names to fit.
MAX_LABELLED_WARDS = 12


@dataclass(frozen=True)
class LegendStep:
    low: int
    high: int
    colour: str

    @property
    def label(self) -> str:
        if self.high == 0:
            return _("None")
        if self.low == self.high:
            return f"{self.low:,}"
        return f"{self.low:,}\u2013{self.high:,}"


@dataclass(frozen=True)
class WardMap:
    """The map of one council area for a petition, and what it leaves out."""

    svg: SafeString
    width: int  # the drawing's own width, in CSS pixels
    area_code: str
    area_name: str
    ward_count: int
    on_map: int  # signatures from the wards drawn
    total: int  # all counted signatures of the petition

    @property
    def off_map(self) -> int:
        return self.total - self.on_map


def _nice_step(largest: int) -> int:
    """The width of each of five equal ranges covering 1..largest, a round number."""
    raw = max(1.0, largest / len(SCALE))
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw and step == int(step):
            return int(step)
    return int(10 * magnitude)  # pragma: no cover - the loop always ends at 10


def legend_steps(largest: int) -> list[LegendStep]:
    """ "None", then five ranges of equal width with round bounds, up to at least ``largest``."""
    step = _nice_step(largest)
    steps = [LegendStep(0, 0, NO_SIGNATURES)]
    for index, colour in enumerate(SCALE):
        steps.append(LegendStep(index * step + 1, (index + 1) * step, colour))
    return steps


def _step_index(count: int, steps: Sequence[LegendStep]) -> int:
    for index, step in enumerate(steps):
        if count <= step.high:
            return index
    return len(steps) - 1


class _Projection:
    """Longitude/latitude to SVG units: equirectangular, longitudes shrunk by cos(latitude)."""

    def __init__(self, boundaries: Sequence[WardBoundary]):
        self.west = min(b.min_longitude for b in boundaries)
        east = max(b.max_longitude for b in boundaries)
        south = min(b.min_latitude for b in boundaries)
        self.north = max(b.max_latitude for b in boundaries)
        self.across = math.cos(math.radians((south + self.north) / 2))
        span_x = max((east - self.west) * self.across, 1e-9)
        span_y = max(self.north - south, 1e-9)
        self.scale = min(
            (MAX_WIDTH - 2 * PADDING) / span_x, (MAX_MAP_HEIGHT - 2 * PADDING) / span_y
        )
        self.width = round(max(span_x * self.scale + 2 * PADDING, MIN_WIDTH))
        self.offset_x = (self.width - span_x * self.scale) / 2
        self.height = span_y * self.scale + 2 * PADDING

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            round(self.offset_x + (lon - self.west) * self.across * self.scale, 1),
            round(PADDING + (self.north - lat) * self.scale, 1),
        )


def _ring_area_and_centre(ring: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in pairwise(ring):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if area == 0:
        xs, ys = [x for x, _ in ring], [y for _, y in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area / 2), cx / (3 * area), cy / (3 * area)


def _ward_shape(boundary: WardBoundary, projection: _Projection) -> tuple[str, tuple[float, float]]:
    """The SVG path data of a ward, and a point to put its name at (its largest part's centre)."""
    parts, best = [], (-1.0, 0.0, 0.0)
    for polygon in polygons(boundary.geometry):
        for ring_number, ring in enumerate(polygon):
            points: list[tuple[float, float]] = []
            for lon, lat in ring:
                point = projection.point(lon, lat)
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) < 3:
                continue
            if ring_number == 0:
                best = max(best, _ring_area_and_centre([*points, points[0]]))
            parts.append("M" + " L".join(f"{x:g} {y:g}" for x, y in points) + "Z")
    return "".join(parts), (best[1], best[2])


def signatures_phrase(count: int) -> str:
    return ngettext("%(count)s signature", "%(count)s signatures", count) % {"count": f"{count:,}"}


def choropleth_svg(
    *,
    boundaries: Sequence[WardBoundary],
    counts: Mapping[str, int],
    area_name: str,
    names: Mapping[str, str] | None = None,
) -> SafeString:
    """An SVG map of ``boundaries``, each ward shaded by its count, with a legend below.

    Wards are named from ``names`` (by code) where given, else from their boundary.

    Every ward is a ``<path>`` with a ``<title>`` ("Northfield: 12 signatures"); the picture as
    a whole is ``role="img"`` with a short description, the figures being in a table beside it.
    """
    if not boundaries:
        return mark_safe("")
    projection = _Projection(boundaries)
    steps = legend_steps(max([counts.get(b.ward_code, 0) for b in boundaries] + [1]))
    width, map_height = projection.width, projection.height
    columns = 3 if width >= 440 else 2
    legend_rows = math.ceil(len(steps) / columns)
    height = round(map_height + 12 + 26 + legend_rows * LEGEND_ROW)
    label = _(
        "Map of the wards of %(area)s, shaded by the number of signatures from each: darker "
        "wards have more. The table of signatures by ward gives the same figures."
    ) % {"area": area_name}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ward-map" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
        f'font-family="{escape(FONT)}">',
        f'<g stroke="{BORDER}" stroke-width="1.5" stroke-linejoin="round" fill-rule="evenodd">',
    ]
    labels = []
    for boundary in boundaries:
        count = counts.get(boundary.ward_code, 0)
        step = _step_index(count, steps)
        path, centre = _ward_shape(boundary, projection)
        if not path:
            continue
        name = (names or {}).get(boundary.ward_code) or boundary.name
        title = f"{name}: {signatures_phrase(count)}"
        code = escape(boundary.ward_code)
        out.append(
            f'<path d="{path}" fill="{steps[step].colour}" data-ward="{code}">'
            f"<title>{escape(title)}</title></path>"
        )
        labels.append((name, centre, step))
    out.append("</g>")
    if len(labels) <= MAX_LABELLED_WARDS:
        out.append('<g font-size="14" font-weight="600" text-anchor="middle" aria-hidden="true">')
        for name, (x, y), step in labels:
            colour = "#ffffff" if step >= WHITE_TEXT_FROM_STEP else INK
            out.append(f'<text x="{x:.1f}" y="{y + 5:.1f}" fill="{colour}">{escape(name)}</text>')
        out.append("</g>")
    out.append(_legend(steps, top=map_height + 12, width=width, columns=columns))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text and attribute above is escaped


def _legend(steps: Sequence[LegendStep], *, top: float, width: int, columns: int) -> str:
    cell = (width - 2 * PADDING) / columns
    out = [
        f'<g class="ward-map__legend" font-size="{LEGEND_FONT_SIZE}" fill="{INK}">',
        f'<text x="{PADDING}" y="{top + 14:.1f}" font-weight="700">'
        f"{escape(_('Signatures per ward'))}</text>",
    ]
    for index, step in enumerate(steps):
        x = PADDING + (index % columns) * cell
        y = top + 26 + (index // columns) * LEGEND_ROW
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="28" height="20" rx="3" fill="{step.colour}" '
            f'stroke="#55606b" stroke-width="1"/>'
            f'<text x="{x + 36:.1f}" y="{y + 15:.1f}">{escape(step.label)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def ward_map(
    *, area_code: str, counts: Mapping[str, int], names: Mapping[str, str], total: int
) -> WardMap | None:
    """The map of council area ``area_code`` with ``counts`` (signatures per ward code, from
    the caller), or ``None`` when no boundaries are stored for it.

    ``names`` names the counted wards; ``total`` is every signature the caller counted, so
    that the map can say how many it leaves out.
    """
    boundaries = list(places_selectors.ward_boundary_list_for_area(local_authority_code=area_code))
    if not boundaries:
        return None
    authority = places_selectors.local_authority_get(code=area_code)
    name = authority.name if authority else area_code
    return WardMap(
        svg=choropleth_svg(boundaries=boundaries, counts=counts, area_name=name, names=names),
        width=_Projection(boundaries).width,
        area_code=area_code,
        area_name=name,
        ward_count=len(boundaries),
        on_map=sum(counts.get(b.ward_code, 0) for b in boundaries),
        total=total,
    )
