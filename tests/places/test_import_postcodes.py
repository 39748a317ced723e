"""``import_postcodes`` loads ONSPD releases of two layouts, names, zips, and fails safely."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import LocalAuthorityFactory, WardFactory
from undersigned.places.management.commands.import_postcodes import ProgressBar
from undersigned.places.models import Constituency, LocalAuthority, Postcode, Ward
from undersigned.places.onspd import postcodes_import
from undersigned.places.onspd_release import ReleaseError, layout_detect

FIXTURES = Path(__file__).parent / "fixtures"
# Two releases of the same few Croydon (and Bromley, and Guernsey) postcodes: February 2024
# names its columns after the area type (osward, pcon, oslaua), February 2025 after the year
# of the boundaries (wd24cd, pcon24cd, lad24cd). Between them CR0 1NY moves ward, CR0 3EA is
# terminated and CR2 6XH appears.
OLDER = FIXTURES / "ONSPD_FEB_2024_UK.csv"
NEWER = FIXTURES / "ONSPD_FEB_2025_UK.csv"
NAMES = FIXTURES / "names"

OLDER_LIVE = {
    "BR1 1AA",
    "CR0 1NY",
    "CR0 2RB",
    "CR0 3EA",
    "CR0 6JS",
    "CR7 8EF",
    "CR90 9AB",
    "GY1 1AB",
}
NEWER_LIVE = OLDER_LIVE - {"CR0 3EA"} | {"CR2 6XH"}

pytestmark = pytest.mark.django_db


def run(*args: object, **options: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_postcodes", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def stored() -> dict[str, tuple]:
    return {
        row.postcode: (
            row.ward_code,
            row.constituency_code,
            row.local_authority_code,
            row.latitude,
            row.longitude,
        )
        for row in Postcode.objects.all()
    }


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy a fixture release through ``change(header, rows) -> (header, rows)``."""
    with source.open(newline="") as handle:
        header, *rows = list(csv.reader(handle))
    header, rows = change(header, rows)
    with target.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return target


# Reading both layouts


def test_an_older_release_is_read_from_its_osward_pcon_and_oslaua_columns():
    out, err = run(OLDER)

    assert set(stored()) == OLDER_LIVE
    assert stored()["CR0 1NY"] == ("E05011470", "E14000654", "E09000008", 51.372837, -0.099146)
    assert "Postcodes: 8 added, 0 updated, 0 unchanged, 0 removed" in out
    assert "ward=osward, constituency=pcon, local authority=oslaua" in err


def test_a_newer_release_is_read_from_its_year_named_columns():
    _out, err = run(NEWER)

    assert set(stored()) == NEWER_LIVE
    assert stored()["CR0 1NY"] == ("E05011463", "E14001187", "E09000008", 51.372837, -0.099146)
    assert "ward=wd24cd, constituency=pcon24cd, local authority=lad24cd" in err


def test_the_header_check_names_the_columns_it_ignores():
    _out, err = run(OLDER)

    assert "Ignoring 45 other columns: pcd, pcd2, dointr" in err


def test_terminated_postcodes_are_skipped():
    out, _err = run(OLDER)

    assert "CR9 3AU" not in stored()
    assert "Skipped: 1 terminated." in out


def test_a_postcode_without_a_grid_reference_is_stored_without_a_location():
    run(OLDER)

    assert stored()["CR90 9AB"][3:] == (None, None)


def test_ons_pseudo_codes_are_stored_as_no_area():
    run(OLDER)

    assert stored()["GY1 1AB"] == ("", "", "", 49.455204, -2.536813)


def test_a_release_without_pcds_is_read_from_pcd_and_normalised(tmp_path):
    def drop_pcds(header, rows):
        keep = [i for i, name in enumerate(header) if name != "pcds"]
        return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]

    _out, err = run(rewrite(OLDER, tmp_path / "no_pcds.csv", drop_pcds))

    assert set(stored()) == OLDER_LIVE
    assert "postcode=pcd," in err


def test_column_detection_takes_the_latest_year_and_is_not_fooled_by_similar_names():
    layout = layout_detect(
        ["PCD7", "doterm", "statsward", "wd23cd", "wd24cd", "pcon24cd", "lad24cd", "lat", "long"]
    )

    assert layout.columns["postcode"] == "pcd7"
    assert layout.columns["ward"] == "wd24cd"
    assert layout.ignored == ("statsward", "wd23cd")
    with pytest.raises(ReleaseError, match=r"ward \(osward or wdNNcd\)"):
        layout_detect(["pcds", "doterm", "casward", "statsward", "pcon", "oslaua", "lat", "long"])


def test_rows_that_are_not_postcodes_are_skipped_and_reported(tmp_path):
    def add_bad_rows(header, rows):
        bad = list(rows[0])
        bad[header.index("pcds")] = "NOT A POSTCODE"
        return header, [*rows, bad, ["too", "short"]]

    out, err = run(rewrite(OLDER, tmp_path / "bad_rows.csv", add_bad_rows))

    assert set(stored()) == OLDER_LIVE
    assert "2 unreadable" in out
    assert "line 11: 'NOT A POSTCODE' is not a postcode" in err
    assert "line 12: too few columns" in err


def test_a_postcode_given_twice_keeps_its_later_row(tmp_path):
    def repeat_with_another_ward(header, rows):
        again = list(rows[1])  # CR0 1NY
        again[header.index("osward")] = "E05011463"
        return header, [*rows, again]

    out, _err = run(rewrite(OLDER, tmp_path / "twice.csv", repeat_with_another_ward), batch_size=4)

    assert stored()["CR0 1NY"][0] == "E05011463"
    assert "Postcodes: 8 added, 0 updated, 0 unchanged" in out


# Running again


def test_a_newer_release_updates_changed_postcodes_adds_new_ones_and_removes_terminated_ones():
    run(OLDER)
    out, _err = run(NEWER)

    assert set(stored()) == NEWER_LIVE
    assert stored()["CR0 1NY"][0] == "E05011463"
    # Every English postcode has a new constituency (2024 boundaries); Guernsey has none.
    assert "Postcodes: 1 added, 6 updated, 1 unchanged, 1 removed as terminated." in out


def test_importing_the_same_release_again_changes_nothing():
    run(OLDER)
    before = stored()

    out, _err = run(OLDER)

    assert stored() == before
    assert Postcode.objects.count() == len(OLDER_LIVE)
    assert "Postcodes: 0 added, 0 updated, 8 unchanged, 0 removed" in out


def test_the_import_can_be_limited_to_some_local_authorities():
    out, _err = run(OLDER, "--local-authority", "E09000006")

    assert set(stored()) == {"BR1 1AA"}
    assert "8 outside E09000006" in out


def test_several_local_authorities_can_be_chosen_in_any_case():
    run(NEWER, "--local-authority", "E09000006", "--local-authority", "e09000008")

    assert set(stored()) == NEWER_LIVE - {"GY1 1AB"}


def test_a_local_authority_filter_that_matches_nothing_says_so():
    _out, err = run(OLDER, "--local-authority", "E09999998")

    assert not Postcode.objects.exists()
    assert "No live postcodes found in E09999998" in err


def test_terminated_postcodes_outside_the_chosen_authorities_are_left_alone():
    run(OLDER)

    run(NEWER, "--local-authority", "E09000006")

    assert "CR0 3EA" in stored()


# Zips


def test_a_release_zip_is_read_without_unpacking_it(tmp_path):
    release = tmp_path / "ONSPD_FEB_2024.zip"
    with zipfile.ZipFile(release, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Documents/ONSPD User Guide Feb 2024.txt", "A guide")
        for names_file in NAMES.iterdir():
            archive.write(names_file, f"Documents/{names_file.name}")
        # The release also ships the data split by postcode area; the whole file is wanted.
        archive.writestr("Data/multi_csv/ONSPD_FEB_2024_UK_BR.csv", OLDER.read_text()[:900])
        archive.write(OLDER, "Data/ONSPD_FEB_2024_UK.csv")

    out, _err = run(release, "--names", release)

    assert set(stored()) == OLDER_LIVE
    assert "ONSPD_FEB_2024.zip:Data/ONSPD_FEB_2024_UK.csv" in out
    assert LocalAuthority.objects.get(pk="E09000008").name == "Croydon"
    assert [path.name for path in tmp_path.iterdir()] == [release.name]


def test_a_zip_without_a_csv_is_a_clear_error(tmp_path):
    release = tmp_path / "empty.zip"
    with zipfile.ZipFile(release, "w") as archive:
        archive.writestr("readme.txt", "Nothing here")

    with pytest.raises(CommandError, match="the zip holds no CSV file"):
        run(release)


# Names


def test_names_are_loaded_from_the_release_documents():
    out, _err = run(NEWER, "--names", NAMES)

    assert LocalAuthority.objects.get(pk="E09000008").name == "Croydon"
    assert Constituency.objects.get(pk="E14001187").name == "Croydon East"
    ward = Ward.objects.get(pk="E05011463")
    assert ward.name == "Addiscombe West"
    # The ward file has no local-authority column: its postcodes say where the ward is.
    assert ward.local_authority_id == "E09000008"
    assert Ward.objects.get(pk="W05001290").name == "Ynys Môn: Aethwy"
    assert Ward.objects.get(pk="W05001290").local_authority is None
    assert "Names: 3 local authorities, 4 constituencies, 8 wards (7 with their" in out


def test_names_are_loaded_on_their_own_from_a_ward_file_naming_its_local_authority(tmp_path):
    elsewhere = LocalAuthorityFactory()
    bensham = WardFactory(code="E05011464", name="Bensham", local_authority=elsewhere)
    (tmp_path / "LA_UA names and codes UK as at 04_24.csv").write_text(
        "LAD24CD,LAD24NM\nE09000008,Croydon\n"
    )
    (tmp_path / "Ward names and codes UK as at 05_24.csv").write_text(
        "WD24CD,WD24NM,LAD24CD,LAD24NM\n"
        "E05011470,Fairfield,E09000008,Croydon\n"
        "E05011464,Bensham Manor,,\n"
    )

    out, _err = run("--names", tmp_path)

    assert Ward.objects.get(pk="E05011470").local_authority_id == "E09000008"
    # Nothing places Bensham Manor: it is renamed and keeps the local authority it had.
    bensham.refresh_from_db()
    assert (bensham.name, bensham.local_authority) == ("Bensham Manor", elsewhere)
    assert not Postcode.objects.exists()
    assert "2 wards (1 with their local authority)" in out


def test_a_names_folder_without_names_files_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="found no names-and-codes CSVs"):
        run(OLDER, "--names", tmp_path)

    assert not Postcode.objects.exists()


# Bad input


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"no such file: .*ONSPD_MAY_2099_UK\.csv"):
        run(tmp_path / "ONSPD_MAY_2099_UK.csv")


def test_nothing_to_import_is_a_clear_error():
    with pytest.raises(CommandError, match="give the release's CSV or zip file"):
        run()


def test_a_file_that_is_not_csv_is_a_clear_error(tmp_path):
    picture = tmp_path / "ONSPD.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")

    with pytest.raises(CommandError, match=r"ONSPD\.csv is not a CSV file"):
        run(picture)


def test_a_release_missing_columns_names_them(tmp_path):
    def drop_ward_and_latitude(header, rows):
        keep = [i for i, name in enumerate(header) if name not in {"osward", "lat"}]
        return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]

    with pytest.raises(CommandError) as failure:
        run(rewrite(OLDER, tmp_path / "partial.csv", drop_ward_and_latitude))

    message = str(failure.value)
    assert "partial.csv is not an ONSPD release" in message
    assert "missing columns: ward (osward or wdNNcd); latitude (lat)." in message
    assert "The file's header has 50 columns: pcd, pcd2, pcds" in message


def test_a_failed_import_leaves_the_stored_postcodes_as_they_were(tmp_path):
    run(OLDER)
    before = stored()
    broken = tmp_path / "broken.csv"
    # A good start (many batches of it staged), then bytes that are not text.
    header, _newline, rows = NEWER.read_bytes().partition(b"\n")
    broken.write_bytes(header + b"\n" + rows * 30 + b'"CR0 1\xff\xfeNY"\n')

    with pytest.raises(CommandError, match=r"broken.csv could not be read after [\d,]+ rows"):
        run(broken, batch_size=2)

    assert stored() == before
    # The staging table went with the failed import: the next one starts clean.
    run(NEWER)
    assert set(stored()) == NEWER_LIVE


def test_a_damaged_zip_is_a_clear_error_and_loses_nothing(tmp_path):
    run(OLDER)
    before = stored()
    release = tmp_path / "ONSPD_FEB_2025.zip"
    header, _newline, rows = NEWER.read_bytes().partition(b"\n")
    with zipfile.ZipFile(release, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("Data/ONSPD_FEB_2025_UK.csv", header + b"\n" + rows * 30)
    # One byte changed in the last row: the zip's checksum no longer matches.
    data = bytearray(release.read_bytes())
    data[data.rindex(b"GY1 1AB")] = ord("H")
    release.write_bytes(bytes(data))

    with pytest.raises(CommandError, match=r"could not be read after [\d,]+ rows: Bad CRC-32"):
        run(release, batch_size=2)

    assert stored() == before


# The command line and progress


def test_the_undersigned_command_takes_the_hyphenated_spelling(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"SECRET_KEY": "x" * 50, "UNDERSIGNED_DATA_DIR": str(tmp_path)}

    result = subprocess.run(
        [sys.executable, "-m", "undersigned.cli", "import-postcodes", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "--local-authority CODE" in result.stdout


def test_progress_is_reported_as_the_file_is_read():
    calls = []

    postcodes_import(path=NEWER, batch_size=3, progress=lambda *call: calls.append(call))

    rows, done, total = calls[-1]
    assert (rows, done) == (10, total)
    assert [call[0] for call in calls] == sorted(call[0] for call in calls)


def test_the_progress_bar_shows_the_share_read_and_the_speed():
    written = []
    bar = ProgressBar(written.append, "Importing postcodes")

    bar(5_000, 50, 100)
    bar.finish()

    assert written[0].startswith("\rImporting postcodes [###############---------------]  50%")
    assert "5,000 rows" in written[0]
    assert "rows/s" in written[0]
    assert written[-1] == "\n"
