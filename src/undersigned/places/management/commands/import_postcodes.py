"""``import_postcodes FILE``: load an ONS Postcode Directory release (CSV or zip), and names."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from undersigned.places.onspd import BATCH_SIZE, postcodes_import
from undersigned.places.onspd_names import NamesResult, area_names_read, area_names_save
from undersigned.places.onspd_release import ImportResult, Layout, ReleaseError


class ProgressBar:
    """A one-line progress bar for a terminal: share of the file read, rows, rows/s, time left."""

    width = 30
    interval = 0.25

    def __init__(self, write: Callable[[str], None], label: str) -> None:
        self.write = write
        self.label = label
        self.started = time.perf_counter()
        self.shown = 0.0

    def __call__(self, rows: int, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self.shown < self.interval and done < total:
            return
        self.shown = now
        share = min(done / total, 1.0) if total else 0.0
        elapsed = now - self.started
        rate = rows / elapsed if elapsed else 0.0
        left = round(elapsed * (1 - share) / share) if share else 0
        filled = round(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.write(
            f"\r{self.label} [{bar}] {share:4.0%}  {rows:,} rows  {rate:,.0f} rows/s  "
            f"{left // 60}:{left % 60:02d} left "
        )

    def finish(self) -> None:
        self.write("\n")


class Command(BaseCommand):
    help = (
        "Load postcodes (and their ward, constituency and local authority) from a release of "
        "the ONS Postcode Directory: its CSV, or the zip it is published in. Columns are found "
        "by name, so releases with older or newer column names both work. Postcodes already "
        "stored are updated, new ones added, terminated ones removed; running it again is safe. "
        "With --names, area names are read from the release's names-and-codes CSVs too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            type=Path,
            nargs="?",
            help="the release's data CSV (ONSPD_<MON>_<YEAR>_UK.csv) or the release zip",
        )
        parser.add_argument(
            "--local-authority",
            action="append",
            default=[],
            metavar="CODE",
            dest="local_authorities",
            help="only load postcodes in this local authority, e.g. E09000008 (repeatable)",
        )
        parser.add_argument(
            "--names",
            type=Path,
            metavar="DIR",
            help="load ward, constituency and local-authority names from the names-and-codes "
            "CSVs in this folder (the release's Documents folder) or zip",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="no progress bar or notes, only the summary"
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=argparse.SUPPRESS)

    def handle(self, *args, **options) -> None:
        path: Path | None = options["file"]
        names_path: Path | None = options["names"]
        quiet = options["quiet"] or options["verbosity"] < 1
        if path is None and names_path is None:
            raise CommandError("give the release's CSV or zip file, or --names DIR, or both")
        local_authorities = [
            code.strip().upper() for code in options["local_authorities"] if code.strip()
        ]
        try:
            names = area_names_read(names_path) if names_path else None
            if names is not None and not quiet:
                for skipped in names.skipped:
                    self._note(f"Note: skipped {skipped}")
            if path is None:
                saved = area_names_save(names)
                self._names_report(saved)
                return
            progress = None
            if not quiet and self.stderr.isatty():
                progress = ProgressBar(self._progress_write, "Importing postcodes")
            try:
                result = postcodes_import(
                    path=path,
                    local_authorities=local_authorities,
                    names=names,
                    progress=progress,
                    on_layout=None if quiet else self._layout_report,
                    batch_size=options["batch_size"],
                )
            finally:
                if progress:
                    progress.finish()
        except ReleaseError as error:
            raise CommandError(str(error)) from error
        self._report(result, local_authorities=local_authorities, quiet=quiet)

    def _note(self, text: str, ending: str = "\n") -> None:
        """Information on stderr, uncoloured (Django colours stderr as errors by default)."""
        self.stderr.write(text, style_func=_plain, ending=ending)

    def _progress_write(self, text: str) -> None:
        self._note(text, ending="")
        self.stderr.flush()

    def _layout_report(self, layout: Layout) -> None:
        used = ", ".join(
            f"{need.replace('_', ' ')}={name}" for need, name in layout.columns.items()
        )
        self._note(f"Columns: {used}")
        if layout.ignored:
            shown = ", ".join(layout.ignored[:12]) + (", ..." if len(layout.ignored) > 12 else "")
            self._note(f"Ignoring {len(layout.ignored)} other columns: {shown}")

    def _report(self, result: ImportResult, *, local_authorities: list[str], quiet: bool) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Read {result.rows:,} rows from {result.source} in {result.seconds:.1f} s "
                f"({result.rows_per_second:,.0f} rows/s). Postcodes: {result.created:,} added, "
                f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
                f"{result.removed:,} removed as terminated."
            )
        )
        if not quiet:
            self._note(
                f"Reading and staging took {result.seconds - result.merge_seconds:.1f} s; "
                f"saving, in one transaction, {result.merge_seconds:.1f} s."
            )
        skipped = [f"{result.terminated:,} terminated"]
        if local_authorities:
            skipped.append(f"{result.outside:,} outside {', '.join(local_authorities)}")
        if result.invalid:
            skipped.append(f"{result.invalid:,} unreadable")
        self.stdout.write(f"Skipped: {'; '.join(skipped)}.")
        if result.invalid and not quiet:
            for example in result.invalid_examples:
                self._note(f"  {example}")
        if local_authorities and result.live == 0:
            self.stderr.write(
                self.style.WARNING(
                    f"No live postcodes found in {', '.join(local_authorities)}: "
                    "check the local authority codes."
                )
            )
        if result.names is not None:
            self._names_report(result.names)

    def _names_report(self, saved: NamesResult) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Names: {saved.local_authorities:,} local authorities, "
                f"{saved.constituencies:,} constituencies, {saved.wards:,} wards "
                f"({saved.wards_placed:,} with their local authority)."
            )
        )


def _plain(text: str) -> str:
    return text
