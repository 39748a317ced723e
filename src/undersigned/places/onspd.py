"""Loading a release of the ONS Postcode Directory (ONSPD) and its names-and-codes files.

A release is one large CSV (about 2.7 million rows, 1.3 GB), shipped in a zip with a
``Documents`` folder of small CSVs naming the areas. Column names change between releases
(``osward`` became ``wd24cd``), so columns are found by pattern and the header is checked
before any row is read.

The rows are streamed, in constant memory, into a temporary staging table in batches; only
then are they merged into the postcode table, in one transaction: new postcodes are added,
changed ones updated, postcodes the release marks terminated removed. A file that turns out
to be bad half-way through therefore leaves the stored postcodes exactly as they were, and on
SQLite other writers (people signing) only wait for the merge, not for the whole read.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import IO

from django.db import connection, transaction
from django.db.models import Count

from undersigned.places.models import (
    AREA_CODE_LENGTH,
    Constituency,
    LocalAuthority,
    Postcode,
    Ward,
)
from undersigned.places.postcodes import normalise_postcode

BATCH_SIZE = 10_000

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
_READ_ERRORS = (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, EOFError, zlib.error)


def _header_read(opened: OpenedCsv) -> tuple[csv.reader, Layout]:
    reader = csv.reader(opened.text)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ReleaseError(f"{opened.name} is not a CSV file ({error})") from error
    except _READ_ERRORS as error:
        raise ReleaseError(f"{opened.name} could not be read: {error}") from error
    if not header:
        raise ReleaseError(f"{opened.name} is empty")
    try:
        return reader, layout_detect(header)
    except ReleaseError as error:
        raise ReleaseError(f"{opened.name} is not an ONSPD release: {error}") from error


# Turning rows into postcodes


def _area_code(value: str) -> str | None:
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


def _rows_parse(
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
        authority = _area_code(authority)
        ward = _area_code(ward)
        constituency = _area_code(constituency)
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


# The staging table and the merge


_STAGED = ("postcode", "ward", "constituency", "authority", "lat", "long", "terminated")
_STORED = ("ward_code", "constituency_code", "local_authority_code", "latitude", "longitude")


class _Staging:
    """A temporary table of one release's rows, private to this database connection.

    The SQL below is put together from the constants above and the model's table name only;
    the rows themselves always travel as parameters (or through COPY).
    """

    table = "places_postcode_staging"
    qualified = table
    key = ""
    extra_columns = ""
    differs = "IS DISTINCT FROM"

    @staticmethod
    def for_connection() -> _Staging:
        if connection.vendor == "sqlite":
            return _SqliteStaging()
        if connection.vendor == "postgresql":
            return _PostgresStaging()
        raise ReleaseError(f"importing postcodes on {connection.vendor} is not supported")

    def create(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.qualified}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} ("
                f"postcode varchar(8) NOT NULL {self.key}, ward varchar(9) NOT NULL, "
                "constituency varchar(9) NOT NULL, authority varchar(9) NOT NULL, "
                "lat double precision NULL, long double precision NULL, "
                f"terminated boolean NOT NULL{self.extra_columns})"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.qualified}")

    def add(self, rows: list[tuple]) -> None:
        raise NotImplementedError

    def prepare(self) -> None:
        """Get the staged rows ready to merge (outside the merge's transaction)."""

    def latest(self) -> str:
        """The table holding each staged postcode once."""
        return self.table

    def merge(self) -> tuple[int, int, int, int]:
        """Apply the staged release: (created, updated, unchanged, removed) postcodes."""
        target = connection.ops.quote_name(Postcode._meta.db_table)
        source = self.latest()
        count = f"SELECT COUNT(*) FROM {target}"  # noqa: S608 - names from constants only
        live = f"SELECT COUNT(*) FROM {source} WHERE NOT terminated"  # noqa: S608
        remove = (
            f"DELETE FROM {target} WHERE postcode IN "  # noqa: S608
            f"(SELECT postcode FROM {source} WHERE terminated)"
        )
        upsert = (
            f"INSERT INTO {target} (postcode, {', '.join(_STORED)}) "  # noqa: S608
            f"SELECT postcode, ward, constituency, authority, lat, long FROM {source} "
            # "WHERE" also keeps SQLite from reading ON CONFLICT as part of the join.
            "WHERE NOT terminated ON CONFLICT (postcode) DO UPDATE SET "
            + ", ".join(f"{field} = excluded.{field}" for field in _STORED)
            # Rows that are the same are left alone: no write, and not counted as updated.
            + " WHERE "
            + " OR ".join(f"{target}.{field} {self.differs} excluded.{field}" for field in _STORED)
        )
        with connection.cursor() as cursor:
            cursor.execute(count)
            before = cursor.fetchone()[0]
            cursor.execute(remove)
            removed = cursor.rowcount
            cursor.execute(upsert)
            changed = cursor.rowcount
            cursor.execute(count)
            after = cursor.fetchone()[0]
            cursor.execute(live)
            staged = cursor.fetchone()[0]
        created = after - before + removed
        return created, changed - created, staged - changed, removed


class _SqliteStaging(_Staging):
    qualified = f"temp.{_Staging.table}"
    key = "PRIMARY KEY"
    differs = "IS NOT"  # IS DISTINCT FROM only arrived in SQLite 3.39

    temp_store: int | None = None

    def create(self) -> None:
        # On disk, not in memory: a whole release is a few hundred megabytes staged. (SQLite
        # only lets this change outside a transaction; inside one, e.g. in tests, it stays.)
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA temp_store")
                self.temp_store = cursor.fetchone()[0]
                cursor.execute("PRAGMA temp_store = FILE")
        super().create()

    def drop(self) -> None:
        super().drop()
        if self.temp_store is not None and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA temp_store = {int(self.temp_store)}")

    def add(self, rows: list[tuple]) -> None:
        """Stage a batch; a postcode given twice keeps its later row."""
        insert = (
            f"INSERT INTO {self.table} ({', '.join(_STAGED)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(_STAGED))}) ON CONFLICT (postcode) DO UPDATE SET "
            + ", ".join(f"{column} = excluded.{column}" for column in _STAGED[1:])
        )
        # Short transactions: people signing only wait for one batch at a time.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, rows)


class _PostgresStaging(_Staging):
    extra_columns = ", seq bigserial"
    deduplicated = "places_postcode_staging_latest"

    def add(self, rows: list[tuple]) -> None:
        statement = f"COPY {self.table} ({', '.join(_STAGED)}) FROM STDIN"
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def prepare(self) -> None:
        # COPY cannot skip duplicates, so a postcode given twice keeps its later row here,
        # once, before the merge; ANALYZE because nothing else gathers temporary tables' stats.
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.deduplicated}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.deduplicated} AS "  # noqa: S608
                f"SELECT DISTINCT ON (postcode) {', '.join(_STAGED)} FROM {self.table} "
                "ORDER BY postcode, seq DESC"
            )
            cursor.execute(f"ANALYZE {self.deduplicated}")

    def latest(self) -> str:
        return self.deduplicated

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.deduplicated}")
        super().drop()


def postcodes_import(
    *,
    path: Path,
    local_authorities: Iterable[str] = (),
    names: AreaNames | None = None,
    progress: Progress | None = None,
    on_layout: Callable[[Layout], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Load the postcodes of the ONSPD release at ``path`` (a CSV, or the release's zip).

    ``local_authorities`` limits the import to postcodes in those local authorities. With
    ``names`` (from :func:`area_names_read`), the area names are saved in the same transaction.
    """
    started = time.perf_counter()
    wanted = frozenset(code.strip().upper() for code in local_authorities)
    result = ImportResult()
    staging = _Staging.for_connection()
    with release_open(path) as opened:
        reader, layout = _header_read(opened)
        result.source, result.layout = opened.name, layout
        if on_layout:
            on_layout(layout)
        staging.create()
        try:
            batch: list[tuple] = []
            rows = _rows_parse(reader, layout, result, local_authorities=wanted)
            try:
                for row in rows:
                    batch.append(row)
                    if len(batch) >= batch_size:
                        staging.add(batch)
                        batch = []
                        if progress:
                            progress(result.rows, opened.position(), opened.size)
            except _READ_ERRORS as error:
                raise ReleaseError(
                    f"{opened.name} could not be read after {result.rows:,} rows: {error}"
                ) from error
            if batch:
                staging.add(batch)
            if progress:
                progress(result.rows, opened.size, opened.size)
            staging.prepare()
            merge_started = time.perf_counter()
            with transaction.atomic():
                merged = staging.merge()
                result.created, result.updated, result.unchanged, result.removed = merged
                if names is not None:
                    result.names = area_names_save(names)
            result.merge_seconds = time.perf_counter() - merge_started
        finally:
            staging.drop()
    result.seconds = time.perf_counter() - started
    return result


# Names of areas, from the release's Documents folder


_NAMES_FILE_PATTERNS = {
    "local_authority": re.compile(r"la_ua|local[ _]authorit|^lad\d", re.IGNORECASE),
    "constituency": re.compile(r"constituenc|pcon", re.IGNORECASE),
    "ward": re.compile(r"(^|[^a-z])ward", re.IGNORECASE),
}
_NAMES_FILE_LIMIT = 50 * 2**20
_NAMES_COLUMNS = {
    "local_authority": ("LAD", ""),
    "constituency": ("PCON", ""),
    "ward": ("WD", "LAD"),
}


@dataclass
class AreaNames:
    """Names and codes read from a release's names-and-codes CSVs, ready to save."""

    local_authorities: dict[str, str] = field(default_factory=dict)
    constituencies: dict[str, str] = field(default_factory=dict)
    wards: dict[str, str] = field(default_factory=dict)
    ward_authorities: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class NamesResult:
    local_authorities: int = 0
    constituencies: int = 0
    wards: int = 0
    wards_placed: int = 0


def _names_sources(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(file name, reader) for each CSV in a folder (and its subfolders) or a zip."""
    if not path.exists():
        raise ReleaseError(f"no such folder: {path}")
    # Names files are small; the postcode data itself (also a CSV) is never one of them.
    if path.is_dir():
        for found in sorted(path.rglob("*.[cC][sS][vV]")):
            if found.is_file() and found.stat().st_size < _NAMES_FILE_LIMIT:
                yield found.name, found.read_bytes
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.lower().endswith(".csv") and info.file_size < _NAMES_FILE_LIMIT:
                    yield PurePosixPath(info.filename).name, lambda info=info: archive.read(info)
    else:
        raise ReleaseError(f"{path} is not a folder or a zip file")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Some older releases' documents are in Windows' Latin encoding.
        return data.decode("cp1252", errors="replace")


def _year_column(header: Sequence[str], prefix: str, suffix: str) -> str | None:
    """The latest ``<prefix>NN<suffix>`` column of ``header`` (``WD24CD``), if any."""
    pattern = re.compile(rf"^{prefix}(\d\d){suffix}$", re.IGNORECASE)
    found = [(match.group(1), name) for name in header if (match := pattern.match(name.strip()))]
    return max(found)[1] if found else None


def area_names_read(path: Path) -> AreaNames:
    """Read the ward, constituency and local-authority names CSVs in a folder or zip."""
    names = AreaNames()
    for filename, read in _names_sources(path):
        kind = next((k for k, p in _NAMES_FILE_PATTERNS.items() if p.search(filename)), None)
        if kind is None:
            continue
        prefix, parent = _NAMES_COLUMNS[kind]
        reader = csv.DictReader(io.StringIO(_decode(read())))
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        code_column = _year_column(header, prefix, "CD")
        name_column = _year_column(header, prefix, "NM")
        if code_column is None or name_column is None:
            names.skipped.append(f"{filename} (no {prefix}NNCD and {prefix}NNNM columns)")
            continue
        parent_column = _year_column(header, parent, "CD") if parent else None
        target = {
            "local_authority": names.local_authorities,
            "constituency": names.constituencies,
            "ward": names.wards,
        }[kind]
        for row in reader:
            code = _area_code(row.get(code_column) or "")
            name = (row.get(name_column) or "").strip()
            if not code or not name:
                continue
            target[code] = name[:200]
            if parent_column and (authority := _area_code(row.get(parent_column) or "")):
                names.ward_authorities[code] = authority
        names.files.append(filename)
    if not names.files:
        raise ReleaseError(
            f"found no names-and-codes CSVs in {path} (looked for ward, constituency and "
            "LA_UA files with columns such as WD24CD/WD24NM)"
        )
    return names


def _wards_main_authority() -> dict[str, str]:
    """For each ward, the local authority most of its stored postcodes are in."""
    counts: dict[str, Counter[str]] = {}
    rows = (
        Postcode.objects.exclude(ward_code="")
        .exclude(local_authority_code="")
        .values_list("ward_code", "local_authority_code")
        .order_by()
        .annotate(n=Count("pk"))
    )
    for ward, authority, n in rows:
        counts.setdefault(ward, Counter())[authority] += n
    return {ward: counter.most_common(1)[0][0] for ward, counter in counts.items()}


@transaction.atomic
def area_names_save(names: AreaNames) -> NamesResult:
    """Add or rename the local authorities, constituencies and wards in ``names``."""
    result = NamesResult()
    LocalAuthority.objects.bulk_create(
        [LocalAuthority(code=c, name=n) for c, n in names.local_authorities.items()],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name"],
        batch_size=500,
    )
    Constituency.objects.bulk_create(
        [Constituency(code=c, name=n) for c, n in names.constituencies.items()],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name"],
        batch_size=500,
    )
    result.local_authorities = len(names.local_authorities)
    result.constituencies = len(names.constituencies)
    if names.wards:
        known = set(LocalAuthority.objects.values_list("code", flat=True))
        from_postcodes = _wards_main_authority()
        placed, unplaced = [], []
        for code, name in names.wards.items():
            authority = names.ward_authorities.get(code) or from_postcodes.get(code)
            if authority in known:
                placed.append(Ward(code=code, name=name, local_authority_id=authority))
            else:
                unplaced.append(Ward(code=code, name=name))
        # A ward nothing places keeps the local authority it had.
        for wards, fields in ((placed, ["name", "local_authority"]), (unplaced, ["name"])):
            Ward.objects.bulk_create(
                wards,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=fields,
                batch_size=500,
            )
        result.wards = len(placed) + len(unplaced)
        result.wards_placed = len(placed)
    return result
