"""Reading an ONSPD release: finding its columns, opening it (plain or zipped) and
turning its rows into postcodes with their area codes.

Column names change between releases (``osward`` became ``wd24cd``), so columns are found by
pattern and the header is checked before any row is read. ``places.onspd`` stages and
merges what is read here.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING

from undersigned.places.models import AREA_CODE_LENGTH
from undersigned.places.postcodes import normalise_postcode

if TYPE_CHECKING:
    from undersigned.places.onspd_names import NamesResult

# What the importer needs, and the column names it is known by, best first. ``NN`` in a
# name stands for the two-digit year of the boundaries (``wd24cd``); the latest year wins.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "postcode": ("pcds", "pcd", "pcd7", "pcd8", "pcd2"),
    "terminated": ("doterm",),
    "ward": ("osward", "wdNNcd"),
    "constituency": ("pcon", "pconNNcd"),
    "local_authority": ("oslaua", "ladNNcd"),
    "latitude": ("lat",),
    "longitude": ("long",),
}

# ONS's "pseudo" codes (a country letter and eight nines) stand for "not in any such area",
# e.g. a postcode in the Channel Islands has no ward; they are stored as no code.
_PSEUDO_SUFFIX = "99999999"
# ONSPD gives 99.999999, 0.000000 for a postcode with no grid reference.
NO_LOCATION_LATITUDE = 99.0


class ReleaseError(ValueError):
    """The file is not an ONSPD release this importer can read; the message says why."""


def _column_pattern(name: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(name).replace("NN", r"(\d\d)") + "$")


@dataclass(frozen=True)
class Layout:
    """Where each needed column is in a release, and the columns left unused."""

    columns: dict[str, str]
    positions: dict[str, int]
    ignored: tuple[str, ...]

    def getter(self) -> Callable[[Sequence[str]], tuple[str, ...]]:
        return itemgetter(*(self.positions[need] for need in REQUIRED_COLUMNS))


def layout_detect(header: Sequence[str]) -> Layout:
    """Find the needed columns in ``header``, or say which are missing."""
    names = [name.strip().lower() for name in header]
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    for need, candidates in REQUIRED_COLUMNS.items():
        for candidate in candidates:
            pattern = _column_pattern(candidate)
            found = [
                (match.groups(), i) for i, n in enumerate(names) if (match := pattern.match(n))
            ]
            if found:
                _year, position = max(found)
                columns[need] = names[position]
                positions[need] = position
                break
    missing = [need for need in REQUIRED_COLUMNS if need not in columns]
    if missing:
        wanted = "; ".join(
            f"{need.replace('_', ' ')} ({' or '.join(REQUIRED_COLUMNS[need])})" for need in missing
        )
        shown = ", ".join(names[:15]) + (", ..." if len(names) > 15 else "")
        raise ReleaseError(
            f"missing columns: {wanted}. The file's header has {len(names)} columns: {shown}"
        )
    used = set(positions.values())
    ignored = tuple(n for i, n in enumerate(names) if i not in used)
    return Layout(columns=columns, positions=positions, ignored=ignored)


# Reading files (plain or zipped)


@dataclass
class OpenedCsv:
    """A CSV being read: its text, a name for messages, and how far through it we are."""

    text: IO[str]
    name: str
    size: int
    _raw: IO[bytes]

    def position(self) -> int:
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0


def _data_csv_in_zip(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The release's main data CSV: ``Data/ONSPD_<MON>_<YEAR>_UK.csv`` in a release zip."""
    csvs = [
        info
        for info in archive.infolist()
        if not info.is_dir() and info.filename.lower().endswith(".csv")
    ]
    if not csvs:
        raise ReleaseError("the zip holds no CSV file")
    whole = [
        info
        for info in csvs
        if re.fullmatch(r"onspd_.*_uk\.csv", PurePosixPath(info.filename).name.lower())
    ]
    if whole:
        return min(whole, key=lambda info: (info.filename.count("/"), info.filename))
    data = [info for info in csvs if "documents/" not in info.filename.lower()]
    if len(data) == 1:
        return data[0]
    listed = ", ".join(info.filename for info in data[:5]) + (", ..." if len(data) > 5 else "")
    raise ReleaseError(
        f"cannot tell which CSV in the zip is the postcode data (no ONSPD_..._UK.csv): {listed}"
    )


@contextlib.contextmanager
def release_open(path: Path) -> Iterator[OpenedCsv]:
    """Open a release CSV, or the data CSV inside a release zip, for streaming as text."""
    if not path.exists():
        raise ReleaseError(f"no such file: {path}")
    if path.is_dir():
        raise ReleaseError(f"{path} is a folder; give the release's CSV or zip file")
    with contextlib.ExitStack() as stack:
        if zipfile.is_zipfile(path):
            try:
                archive = stack.enter_context(zipfile.ZipFile(path))
                info = _data_csv_in_zip(archive)
                raw = stack.enter_context(archive.open(info))
            except zipfile.BadZipFile as error:
                raise ReleaseError(f"{path} is a damaged zip file: {error}") from error
            name, size = f"{path.name}:{info.filename}", info.file_size
        else:
            raw = stack.enter_context(path.open("rb"))
            name, size = path.name, path.stat().st_size
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        yield OpenedCsv(text=text, name=name, size=size, _raw=raw)


# Bytes that are not text, or a zip cut short or damaged (its checksum is checked at the end).
READ_ERRORS = (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, EOFError, zlib.error)


def header_read(opened: OpenedCsv) -> tuple[csv.reader, Layout]:
    reader = csv.reader(opened.text)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ReleaseError(f"{opened.name} is not a CSV file ({error})") from error
    except READ_ERRORS as error:
        raise ReleaseError(f"{opened.name} could not be read: {error}") from error
    if not header:
        raise ReleaseError(f"{opened.name} is empty")
    try:
        return reader, layout_detect(header)
    except ReleaseError as error:
        raise ReleaseError(f"{opened.name} is not an ONSPD release: {error}") from error


# Turning rows into postcodes


def area_code_parse(value: str) -> str | None:
    """An area code as stored: '' for none (or a pseudo code), ``None`` if it cannot be one."""
    code = value.strip().upper()
    if not code or (len(code) == AREA_CODE_LENGTH and code.endswith(_PSEUDO_SUFFIX)):
        return ""
    return code if len(code) <= AREA_CODE_LENGTH else None


def _location(latitude: str, longitude: str) -> tuple[float | None, float | None]:
    try:
        lat, long = float(latitude), float(longitude)
    except ValueError:
        return None, None
    if not (-90 <= lat <= 90 and -180 <= long <= 180) or lat >= NO_LOCATION_LATITUDE:
        return None, None
    return lat, long


@dataclass
class ImportResult:
    """What an import read and what it changed."""

    source: str = ""
    layout: Layout | None = None
    rows: int = 0
    terminated: int = 0
    outside: int = 0
    invalid: int = 0
    invalid_examples: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    merge_seconds: float = 0.0
    names: NamesResult | None = None

    @property
    def live(self) -> int:
        return self.rows - self.terminated - self.outside - self.invalid

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


Progress = Callable[[int, int, int], None]  # rows read, bytes read, bytes in all


def rows_parse(
    reader: Iterable[list[str]],
    layout: Layout,
    result: ImportResult,
    *,
    local_authorities: frozenset[str],
) -> Iterator[tuple[str, str, str, str, float | None, float | None, bool]]:
    """Staging rows (postcode, ward, constituency, LA, lat, long, terminated) from CSV rows."""
    get = layout.getter()
    width = max(layout.positions.values()) + 1
    for line, row in enumerate(reader, start=2):
        result.rows += 1
        if len(row) < width:
            _invalid(result, line, "too few columns")
            continue
        raw_postcode, doterm, ward, constituency, authority, lat, long = get(row)
        postcode = normalise_postcode(raw_postcode)
        if postcode is None:
            _invalid(result, line, f"{raw_postcode!r} is not a postcode")
            continue
        authority = area_code_parse(authority)
        ward = area_code_parse(ward)
        constituency = area_code_parse(constituency)
        if authority is None or ward is None or constituency is None:
            _invalid(result, line, "an area code is longer than 9 characters")
            continue
        if local_authorities and authority not in local_authorities:
            result.outside += 1
            continue
        terminated = bool(doterm.strip())
        if terminated:
            result.terminated += 1
            yield postcode, "", "", "", None, None, True
            continue
        latitude, longitude = _location(lat, long)
        yield postcode, ward, constituency, authority, latitude, longitude, False


def _invalid(result: ImportResult, line: int, why: str) -> None:
    result.invalid += 1
    if len(result.invalid_examples) < 5:
        result.invalid_examples.append(f"line {line}: {why}")
