"""Names of areas, from an ONSPD release's Documents folder: reading the names-and-codes
CSVs and saving the local authorities, constituencies and wards they name."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.db import transaction
from django.db.models import Count

from undersigned.places.models import Constituency, LocalAuthority, Postcode, Ward
from undersigned.places.onspd_release import ReleaseError, area_code_parse

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
            code = area_code_parse(row.get(code_column) or "")
            name = (row.get(name_column) or "").strip()
            if not code or not name:
                continue
            target[code] = name[:200]
            if parent_column and (authority := area_code_parse(row.get(parent_column) or "")):
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


def _areas_upsert(model, areas: list, *, fields: list[str]) -> None:
    """Add ``areas`` (by their code), or update ``fields`` of those already there."""
    model.objects.bulk_create(
        areas, update_conflicts=True, unique_fields=["code"], update_fields=fields, batch_size=500
    )


@transaction.atomic
def area_names_save(names: AreaNames) -> NamesResult:
    """Add or rename the local authorities, constituencies and wards in ``names``."""
    result = NamesResult()
    for model, named in (
        (LocalAuthority, names.local_authorities),
        (Constituency, names.constituencies),
    ):
        _areas_upsert(model, [model(code=c, name=n) for c, n in named.items()], fields=["name"])
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
        _areas_upsert(Ward, placed, fields=["name", "local_authority"])
        _areas_upsert(Ward, unplaced, fields=["name"])
        result.wards = len(placed) + len(unplaced)
        result.wards_placed = len(placed)
    return result
