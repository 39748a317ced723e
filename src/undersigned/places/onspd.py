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

This module runs an import; reading a release is ``places.onspd_release``, the staging
table and the merge ``places.onspd_staging``, the areas' names ``places.onspd_names``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import transaction

from undersigned.places.onspd_names import AreaNames, area_names_save
from undersigned.places.onspd_release import (
    READ_ERRORS,
    ImportResult,
    Layout,
    Progress,
    ReleaseError,
    header_read,
    release_open,
    rows_parse,
)
from undersigned.places.onspd_staging import Staging

BATCH_SIZE = 10_000


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
    staging = Staging.for_connection()
    with release_open(path) as opened:
        reader, layout = header_read(opened)
        result.source, result.layout = opened.name, layout
        if on_layout:
            on_layout(layout)
        staging.create()
        try:
            batch: list[tuple] = []
            rows = rows_parse(reader, layout, result, local_authorities=wanted)
            try:
                for row in rows:
                    batch.append(row)
                    if len(batch) >= batch_size:
                        staging.add(batch)
                        batch = []
                        if progress:
                            progress(result.rows, opened.position(), opened.size)
            except READ_ERRORS as error:
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
