"""``import_boundaries FILE.geojson``: load ward boundaries from an ONS GeoJSON export."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from undersigned.places.boundaries import (
    BoundaryData,
    BoundaryError,
    geometry_tidy,
    point_count,
    ward_boundaries_upsert,
)

# ONS names its columns after the year of the boundaries: WD24CD, WD24NM, LAD24CD, ...
WARD_CODE = re.compile(r"^wd(\d{2})cd$", re.IGNORECASE)
WARD_NAME = re.compile(r"^wd(\d{2})nm$", re.IGNORECASE)
LOCAL_AUTHORITY_CODE = re.compile(r"^(?:lad|lau1?)(\d{2})cd$", re.IGNORECASE)

MAX_PROBLEMS_SHOWN = 5


def find_property(names: list[str], pattern: re.Pattern) -> str | None:
    """The property matching ``pattern``; the newest year when a file carries several."""
    matches = [name for name in names if pattern.match(name)]
    return max(matches, key=lambda name: pattern.match(name).group(1), default=None)


class Command(BaseCommand):
    help = (
        "Load ward boundaries for the support map from a GeoJSON FeatureCollection, as "
        "exported by the ONS Open Geography Portal (properties WDnnCD and WDnnNM, "
        "coordinates in longitude/latitude). Wards already stored are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the .geojson file")
        parser.add_argument(
            "--tolerance",
            type=float,
            default=5.0,
            help="simplify outlines, dropping detail smaller than this many metres "
            "(default 5; 0 keeps every point)",
        )
        parser.add_argument(
            "--precision",
            type=int,
            default=5,
            choices=range(3, 8),
            metavar="3-7",
            help="decimal places kept in each coordinate (default 5, about a metre)",
        )
        parser.add_argument(
            "--local-authority",
            action="append",
            default=[],
            metavar="CODE",
            help="only load wards of this local authority (e.g. E09000008); repeatable",
        )
        parser.add_argument("--code-property", help="the property holding the ward code")
        parser.add_argument("--name-property", help="the property holding the ward name")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        features = self._features(path)
        names = sorted({name for feature in features for name in feature["properties"]})
        code_key = options["code_property"] or find_property(names, WARD_CODE)
        name_key = options["name_property"] or find_property(names, WARD_NAME)
        authority_key = find_property(names, LOCAL_AUTHORITY_CODE)
        missing = [
            label
            for label, key in (("ward code (WDnnCD)", code_key), ("ward name (WDnnNM)", name_key))
            if key is None or key not in names
        ]
        if missing:
            raise CommandError(
                f"{path}: no property for the {' or the '.join(missing)}. The features have: "
                f"{', '.join(names) or 'no properties'}. Name them with --code-property / "
                "--name-property if the file uses other names."
            )
        wanted = {code.strip().upper() for code in options["local_authority"] if code.strip()}
        if wanted and authority_key is None:
            raise CommandError(
                f"{path}: --local-authority needs a local authority code property (LADnnCD) "
                f"in the features; they have: {', '.join(names)}"
            )

        boundaries, problems, points_before, points_after = [], [], 0, 0
        for number, feature in enumerate(features, start=1):
            properties = feature["properties"]
            code = str(properties.get(code_key) or "").strip().upper()
            name = str(properties.get(name_key) or "").strip()
            authority = str(properties.get(authority_key) or "").strip().upper()
            if wanted and authority not in wanted:
                continue
            label = f"feature {number}" + (f" ({code})" if code else "")
            if not code or not name:
                problems.append(f"{label}: the ward code or name is empty")
                continue
            if len(code) > 9:
                problems.append(f"{label}: {code!r} is not a ward code")
                continue
            try:
                points_before += point_count(feature.get("geometry"))
                geometry = geometry_tidy(
                    feature.get("geometry"),
                    tolerance=options["tolerance"],
                    precision=options["precision"],
                )
            except BoundaryError as error:
                problems.append(f"{label}: {error}")
                continue
            points_after += point_count(geometry)
            boundaries.append(
                BoundaryData(
                    ward_code=code,
                    name=name[:200],
                    geometry=geometry,
                    local_authority_code=authority[:9],
                )
            )
        if problems:
            shown = "\n  ".join(problems[:MAX_PROBLEMS_SHOWN])
            more = len(problems) - MAX_PROBLEMS_SHOWN
            raise CommandError(
                f"{path}: nothing was imported; {len(problems)} feature(s) cannot be used:\n  "
                f"{shown}" + (f"\n  ... and {more} more" if more > 0 else "")
            )
        if not boundaries:
            raise CommandError(
                f"{path}: no wards of {', '.join(sorted(wanted))} in the file"
                if wanted
                else f"{path}: the file has no features"
            )
        try:
            stored = ward_boundaries_upsert(boundaries=boundaries)
        except BoundaryError as error:
            raise CommandError(f"{path}: nothing was imported; {error}") from error
        named = (
            f" {stored.wards_named:,} ward names taken from {name_key} (no names-and-codes "
            "file had named them)."
            if stored.wards_named
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(boundaries):,} ward boundaries from {path.name} "
                f"({stored.added:,} new, {stored.updated:,} updated; ward code from {code_key}, "
                f"name from {name_key}); {points_after:,} of {points_before:,} points kept." + named
            )
        )

    def _features(self, path: Path) -> list[dict]:
        try:
            with path.open("rb") as file:
                data = json.load(file)
        except FileNotFoundError as error:
            raise CommandError(f"{path}: no such file") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path}: not a GeoJSON file (not UTF-8 text)") from error
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{path}: not a GeoJSON file (invalid JSON at line {error.lineno}, column "
                f"{error.colno}: {error.msg})"
            ) from error
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        if kind != "FeatureCollection":
            raise CommandError(
                f"{path}: expected a GeoJSON FeatureCollection, found {kind!r}. Download the "
                "boundaries as GeoJSON from the ONS Open Geography Portal."
            )
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise CommandError(f"{path}: the FeatureCollection has no features")
        for number, feature in enumerate(features, start=1):
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise CommandError(f"{path}: item {number} of the features is not a Feature")
            if not isinstance(feature.get("properties"), dict):
                feature["properties"] = {}
        crs, properties = "", (data.get("crs") or {})
        if isinstance(properties, dict) and isinstance(properties.get("properties"), dict):
            crs = str(properties["properties"].get("name", ""))
        if crs and not re.search(r"(CRS84|4326)$", crs):
            raise CommandError(
                f"{path}: the coordinates are in {crs}, not longitude/latitude. Download the "
                "GeoJSON export (WGS 84) from the ONS Open Geography Portal."
            )
        return features
