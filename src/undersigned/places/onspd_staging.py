"""The staging table of a postcode import, and the merge into the postcode table.

The rows of a release are streamed into a temporary table private to this database
connection (SQLite: an upsert per batch; PostgreSQL: COPY, then one row kept per postcode),
then merged in one statement set: new postcodes added, changed ones updated, terminated
ones removed.
"""

from __future__ import annotations

from django.db import connection, transaction

from undersigned.places.models import Postcode
from undersigned.places.onspd_release import ReleaseError

_STAGED = ("postcode", "ward", "constituency", "authority", "lat", "long", "terminated")
_STORED = ("ward_code", "constituency_code", "local_authority_code", "latitude", "longitude")


class Staging:
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
    def for_connection() -> Staging:
        if connection.vendor == "sqlite":
            return SqliteStaging()
        if connection.vendor == "postgresql":
            return PostgresStaging()
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


class SqliteStaging(Staging):
    qualified = f"temp.{Staging.table}"
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


class PostgresStaging(Staging):
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
