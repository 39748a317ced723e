"""Paper signatures: a sheet typed in, a file uploaded, the same rules as online, one count."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.db.models import RestrictedError
from django.utils import timezone
from wagtail.models import PageLogEntry

from tests.factories import (
    PostcodeFactory,
    SignatureFactory,
    WardFactory,
)
from undersigned.petitions import paper, selectors
from undersigned.petitions.models import (
    PaperSheet,
    PaperUpload,
    PetitionPage,
    PetitionState,
    Signature,
    SignatureState,
    SuspectReason,
)
from undersigned.petitions.paper import PaperRow
from undersigned.petitions.paper_files import PaperFileError, paper_file_rows
from undersigned.petitions.services import SignerDetails, sign, signature_invalidate
from undersigned.petitions.tasks import paper_uploads_expire_task
from undersigned.site.errors import ApplicationError

COLLECTED = datetime.date(2026, 11, 28)


def sheet_store(petition, rows, *, reference="Market stall 1", organiser=None) -> PaperSheet:
    return paper.paper_sheet_create(
        petition=petition,
        reference=reference,
        collected_on=COLLECTED,
        rows=[PaperRow(number, *row) for number, row in enumerate(rows, start=1)],
        entered_by=organiser,
    )


def csv_bytes(*rows: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(rows) + "\r\n").encode(encoding)


def xlsx_bytes(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(petition, organiser, content: bytes, *, name="sheet.csv", reference="File 1"):
    return paper.paper_upload_create(
        petition=petition,
        uploaded_by=organiser,
        file_name=name,
        content=content,
        reference=reference,
        collected_on=COLLECTED,
    )


def file_rows(content: bytes) -> list[PaperRow]:
    return list(paper_file_rows(content=content))


def refusal(content: bytes) -> str:
    with pytest.raises(PaperFileError) as refused:
        file_rows(content)
    return refused.value.message


# A sheet typed into the grid


def test_a_sheet_is_stored_tidied_as_online_signatures_are_and_marked_as_paper(petition, organiser):
    ward = WardFactory(code="E05000101", name="Northfield")
    PostcodeFactory(postcode="CR0 1NY", ward=ward, constituency_code="E14000101")

    sheet = sheet_store(
        petition,
        [("  Ada   Lovelace ", "1 High Street", "cr01ny"), ("Alan Turing", "3 Mill Lane", "")],
        organiser=organiser,
    )

    ada, alan = sheet.signatures.order_by("pk")
    assert (ada.name, ada.postcode, ada.ward_code) == ("Ada Lovelace", "CR0 1NY", "E05000101")
    assert (ada.constituency_code, ada.local_authority_code) == (
        "E14000101",
        ward.local_authority_id,
    )
    assert (alan.postcode, alan.ward_code, alan.address) == ("", "", "3 Mill Lane")
    for signature in (ada, alan):
        assert (signature.source, signature.state) == ("paper", SignatureState.COUNTED)
        assert (signature.email, signature.wants_updates, signature.consented_at) == (
            "",
            False,
            None,
        )
        assert signature.ip_hash == ""
    assert (sheet.reference, sheet.collected_on, sheet.entered_by) == (
        "Market stall 1",
        COLLECTED,
        organiser,
    )
    entry = PageLogEntry.objects.get(page=petition, action="undersigned.petition.paper_sheet")
    assert (entry.user, entry.data) == (organiser, {"reference": "Market stall 1", "signatures": 2})


def test_a_postcode_written_inside_the_address_is_found_as_online(petition):
    sheet = sheet_store(petition, [("Grace Hopper", "7 Elm Road, Croydon CR0 1NY", "")])
    assert sheet.signatures.get().postcode == "CR0 1NY"


def test_a_sheet_with_bad_rows_stores_nothing_and_says_which_row_and_what(petition):
    rows = [
        ("Ada Lovelace", "", "CR0 1NY"),
        ("Bob", "", "not a postcode"),
        ("", "", ""),
        ("", "4 Station Road", "CR0 1NY"),
        ("Carol", "", ""),
    ]
    with pytest.raises(ApplicationError) as refused:
        sheet_store(petition, rows)

    problems = {(p.number, p.field): p.message for p in refused.value.extra["problems"]}
    assert problems == {
        (2, "postcode"): "Enter a real UK postcode, like CR0 1NY",
        (4, "name"): "No name: type the signer's name as written",
        (5, "address"): "No address or postcode: a signature needs one or both, as written",
    }
    assert not PaperSheet.objects.exists()
    assert not Signature.objects.exists()


def test_empty_rows_are_left_out_and_a_sheet_of_nothing_is_refused(petition):
    sheet = sheet_store(petition, [("", "", ""), ("Ada Lovelace", "", "CR0 1NY"), (" ", "", "")])
    assert sheet.signatures.count() == 1

    with pytest.raises(ApplicationError, match="no signature to store"):
        sheet_store(petition, [("", "", "")] * 3, reference="Empty")


def test_the_sheets_reference_and_date_are_required_and_the_date_not_in_the_future(petition):
    rows = [PaperRow(1, "Ada Lovelace", "", "CR0 1NY")]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for reference, collected_on, field in [
        ("  ", COLLECTED, "reference"),
        ("Sheet 1", None, "collected_on"),
        ("Sheet 1", tomorrow, "collected_on"),
    ]:
        with pytest.raises(ApplicationError) as refused:
            paper.paper_sheet_create(
                petition=petition,
                reference=reference,
                collected_on=collected_on,
                rows=rows,
                entered_by=None,
            )
        assert refused.value.extra["field"] == field
    assert not Signature.objects.exists()


def test_the_same_sheet_reference_cannot_be_entered_twice(petition):
    sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")], reference="Stall 4")
    with pytest.raises(ApplicationError, match="already entered"):
        sheet_store(petition, [("Alan Turing", "", "CR0 1NY")], reference="Stall 4")
    assert Signature.objects.count() == 1


def test_a_handed_in_petition_takes_no_paper_signatures_but_a_closed_one_does(petition):
    PetitionPage.objects.filter(pk=petition.pk).update(state=PetitionState.CLOSED)
    petition.refresh_from_db()
    assert sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")]).signatures.count() == 1

    PetitionPage.objects.filter(pk=petition.pk).update(state=PetitionState.HANDED_IN)
    petition.refresh_from_db()
    with pytest.raises(ApplicationError, match="handed in"):
        sheet_store(petition, [("Alan Turing", "", "CR0 1NY")], reference="Late")


# The same person, across paper and online


def test_someone_who_signed_online_is_a_duplicate_on_paper(petition):
    online = SignatureFactory(petition=petition, name="Ada Lovelace", postcode="CR0 1NY")

    sheet = sheet_store(petition, [("ADA  LOVELACE", "", "cr0 1ny")])

    on_paper = sheet.signatures.get()
    assert on_paper.state == SignatureState.DUPLICATE
    assert on_paper.duplicate_of == online
    assert selectors.signature_count(petition=petition) == 1


def test_someone_written_twice_on_paper_counts_once(petition):
    sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY"), ("Alan Turing", "", "CR0 1NY")])
    sheet = sheet_store(
        petition,
        [("Ada Lovelace", "", "CR0 1NY"), ("Grace Hopper", "", "CR0 1NY")] * 2,
        reference="Stall 2",
    )

    first = Signature.objects.get(paper_sheet__reference="Market stall 1", name="Ada Lovelace")
    grace = sheet.signatures.get(name="Grace Hopper", state=SignatureState.COUNTED)
    duplicates = sheet.signatures.filter(state=SignatureState.DUPLICATE)
    assert sorted((s.name, s.duplicate_of_id) for s in duplicates) == sorted(
        [("Ada Lovelace", first.pk), ("Ada Lovelace", first.pk), ("Grace Hopper", grace.pk)]
    )
    assert selectors.signature_count(petition=petition) == 3


def test_signing_online_after_signing_on_paper_is_not_counted_twice(petition):
    on_paper = sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")]).signatures.get()

    result = sign(
        petition=petition,
        signer=SignerDetails(name="ada lovelace", postcode="CR01NY", email="ada@example.org"),
    )

    assert result.signature.state == SignatureState.DUPLICATE
    assert result.signature.duplicate_of_id == on_paper.pk
    assert selectors.signature_count(petition=petition) == 1


def test_a_paper_signature_takes_the_place_of_an_online_one_held_back_as_suspect(petition):
    suspect = SignatureFactory(
        petition=petition,
        name="Ada Lovelace",
        postcode="CR0 1NY",
        state=SignatureState.SUSPECT,
        suspect_reason=SuspectReason.HONEYPOT,
    )

    on_paper = sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")]).signatures.get()

    suspect.refresh_from_db()
    assert on_paper.state == SignatureState.COUNTED
    assert (suspect.state, suspect.duplicate_of_id) == (SignatureState.DUPLICATE, on_paper.pk)
    assert selectors.signature_count(petition=petition) == 1


def test_people_with_the_same_name_at_other_postcodes_both_count(petition):
    SignatureFactory(petition=petition, name="John Smith", postcode="CR0 1NY")
    sheet = sheet_store(petition, [("John Smith", "", "CR0 2AB"), ("John Smith", "1 Lane", "")])
    assert set(sheet.signatures.values_list("state", flat=True)) == {SignatureState.COUNTED}


# One count


def test_the_count_includes_paper_signatures_and_says_how_many(petition, client):
    SignatureFactory(petition=petition)
    sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY"), ("Alan Turing", "", "CR0 1NY")])

    assert selectors.signature_count(petition=petition) == 3
    assert selectors.signature_count_paper(petition=petition) == 2
    page = client.get(petition.url)
    assert "including 2 on paper" in page.content.decode()
    data = client.get(f"/petitions/{petition.slug}.json").json()
    assert (data["signature_count"], data["paper_signature_count"]) == (3, 2)


def test_the_support_breakdown_places_paper_signatures_by_their_postcode(petition):
    ward = WardFactory(code="E05000102", name="Riverside")
    PostcodeFactory(postcode="CR0 2AB", ward=ward)
    SignatureFactory(petition=petition, postcode="CR0 2AB", ward_code=ward.code)
    sheet_store(petition, [("Ada Lovelace", "", "CR0 2AB"), ("Alan Turing", "1 Lane", "")])

    by_ward = {row.name: row.count for row in selectors.signature_counts_by_ward(petition=petition)}
    assert by_ward["Riverside"] == 2
    assert sum(by_ward.values()) == 3


def test_a_page_without_paper_signatures_says_nothing_of_paper(petition, client):
    SignatureFactory(petition=petition)
    assert "on paper" not in client.get(petition.url).content.decode()
    assert client.get(f"/petitions/{petition.slug}.json").json()["paper_signature_count"] == 0


def test_storing_a_sheet_forgets_the_cached_count_once_committed(
    petition, settings, django_capture_on_commit_callbacks
):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    assert selectors.signature_count(petition=petition) == 0
    assert selectors.signature_count_paper(petition=petition) == 0

    with django_capture_on_commit_callbacks(execute=True):
        sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")])

    assert selectors.signature_count(petition=petition) == 1
    assert selectors.signature_count_paper(petition=petition) == 1


def test_a_paper_signature_is_invalidated_like_any_other(petition):
    on_paper = sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")]).signatures.get()

    signature_invalidate(signature=on_paper)
    assert selectors.signature_count(petition=petition) == 0
    assert selectors.signature_count_paper(petition=petition) == 0


# Files typed up by volunteers


def test_a_csv_is_read_by_its_headers_in_any_order_case_and_spacing():
    rows = file_rows(
        csv_bytes(
            "Post code, FULL NAME ,Notes,Address",
            "cr0 1ny,Ada Lovelace,met at stall,1 High Street",
            ",,,",
            "CR0 2AB,Alan Turing,,",
        )
    )
    assert [(r.number, r.name, r.address, r.postcode) for r in rows] == [
        (2, "Ada Lovelace", "1 High Street", "cr0 1ny"),
        (4, "Alan Turing", "", "CR0 2AB"),
    ]


def test_a_csv_with_semicolons_as_excel_writes_where_the_comma_is_the_decimal_mark():
    rows = file_rows(csv_bytes("Name;Address;Postcode", "Ada;1 High St, Town;CR0 1NY"))
    assert (rows[0].name, rows[0].address) == ("Ada", "1 High St, Town")


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16"], ids=["utf-8", "with BOM", "utf-16"]
)
def test_a_csv_in_utf8_with_or_without_bom_or_utf16_is_read(encoding):
    rows = file_rows(csv_bytes("Name,Address,Postcode", "Zoë Brontë,,CR0 1NY", encoding=encoding))
    assert rows[0].name == "Zoë Brontë"


def test_a_csv_in_another_encoding_is_refused_saying_how_to_save_it():
    message = refusal(csv_bytes("Name,Address,Postcode", "Zoë Brontë,,CR0 1NY", encoding="cp1252"))
    assert "not saved as UTF-8" in message
    assert "line 2" in message
    assert "CSV UTF-8" in message


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("Name,Postcode", "“Address”"),
        ("Signer,Address,Postcode", "“Name”"),
        ("Name,Address,Zip", "“Postcode”"),
        ("First name,Street", "“Name”, “Address”, “Postcode”"),
    ],
)
def test_a_file_with_a_missing_column_is_refused_naming_it(header, missing):
    message = refusal(csv_bytes(header, "Ada Lovelace,1 High Street"))
    assert f"no column headed {missing}" in message


def test_a_file_with_a_column_twice_is_refused():
    assert "Two columns are headed “Name”" in refusal(
        csv_bytes("Name,Full name,Address,Postcode", "Ada,Ada L,,CR0 1NY")
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "Old Excel files (.xls)"),
        (b"PK\x03\x04 not really a workbook", "could not be read as an Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "could not be read as CSV"),
    ],
    ids=["empty", "blank lines", "xls", "broken xlsx", "an image"],
)
def test_an_unreadable_file_is_refused_with_a_clear_message(content, expected):
    assert expected in refusal(content)


def test_more_rows_than_the_limit_are_refused_as_a_whole(settings):
    settings.UNDERSIGNED_PAPER_MAX_ROWS = 5
    assert len(file_rows(csv_bytes("Name,Address,Postcode", *["A,,CR0 1NY"] * 5)))
    message = refusal(csv_bytes("Name,Address,Postcode", *["A,,CR0 1NY"] * 6))
    assert "more than 5 rows" in message


def test_the_default_limit_takes_ten_thousand_rows_and_refuses_one_more():
    rows = [f"Signer {n},,CR0 1NY" for n in range(10_000)]
    assert len(file_rows(csv_bytes("Name,Address,Postcode", *rows))) == 10_000
    message = refusal(csv_bytes("Name,Address,Postcode", *rows, "One more,,CR0 1NY"))
    assert "more than 10,000 rows" in message


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(settings):
    settings.UNDERSIGNED_PAPER_MAX_UPLOAD_BYTES = 1024 * 1024
    assert "larger than 1 MB" in refusal(b"Name,Address,Postcode\r\n" + b"x" * 1024 * 1024)


def test_an_xlsx_is_read_from_its_first_sheet_numbers_and_all():
    rows = file_rows(
        xlsx_bytes(
            ["Name", "Address", "Postcode"],
            ["Ada Lovelace", "1 High Street", "CR0 1NY"],
            [None, None, None],
            ["Alan Turing", 12, "cr0 2ab"],
        )
    )
    assert [(r.number, r.name, r.address, r.postcode) for r in rows] == [
        (2, "Ada Lovelace", "1 High Street", "CR0 1NY"),
        (4, "Alan Turing", "12", "cr0 2ab"),
    ]


def test_formula_cells_are_data_and_their_rows_are_rejected_with_the_reason():
    from_xlsx = file_rows(
        xlsx_bytes(
            ["Name", "Address", "Postcode"],
            ['=HYPERLINK("http://example.com","Click")', "", "CR0 1NY"],
            ["Ada Lovelace", "", "CR0 1NY"],
        )
    )
    from_csv = file_rows(
        csv_bytes(
            "Name,Address,Postcode", "Ada Lovelace,\"=cmd|' /C calc'!A0\",CR0 1NY", "=,,CR0 1NY"
        )
    )

    report = paper.paper_rows_check(rows=[*from_xlsx, *from_csv])

    assert [(p.number, p.field) for p in report.problems] == [(2, "name"), (2, "address")]
    assert all("spreadsheet formula" in p.message for p in report.problems)
    # Taken: Ada from the workbook, and a lone "=", which is no formula, only a poor name.
    assert report.accepted == 2


# Upload, report, confirm


def test_an_upload_is_reported_on_and_stores_the_good_rows_only_when_confirmed(petition, organiser):
    content = csv_bytes(
        "Name,Address,Postcode",
        "Ada Lovelace,,CR0 1NY",
        "Bob,,not a postcode",
        "Alan Turing,3 Mill Lane,",
    )

    staged = upload(petition, organiser, content)

    assert not Signature.objects.exists()
    report = paper.paper_upload_report(upload=staged)
    assert [(p.number, p.field, p.row.postcode) for p in report.problems] == [
        (3, "postcode", "not a postcode")
    ]
    assert report.accepted == 2

    sheet = paper.paper_upload_confirm(upload=staged, confirmed_by=organiser)

    assert sorted(sheet.signatures.values_list("name", flat=True)) == [
        "Ada Lovelace",
        "Alan Turing",
    ]
    assert sheet.file_sha256 == paper.file_sha256(content)
    assert (sheet.reference, sheet.entered_by) == ("File 1", organiser)
    assert not PaperUpload.objects.exists()


def test_the_report_says_who_signed_already_and_by_how_much_the_count_will_go_up(
    petition, organiser, django_capture_on_commit_callbacks
):
    SignatureFactory(petition=petition, name="Ada Lovelace", postcode="CR0 1NY")
    SignatureFactory(
        petition=petition,
        name="Carol Held",
        postcode="CR0 1NY",
        state=SignatureState.SUSPECT,
        suspect_reason=SuspectReason.HONEYPOT,
    )
    staged = upload(
        petition,
        organiser,
        csv_bytes(
            "Name,Address,Postcode",
            "Ada Lovelace,,cr0 1ny",
            "Bob New,,CR0 1NY",
            "bob  new,,CR01NY",
            "Carol Held,,CR0 1NY",
            "Dan Bad,,QQ",
        ),
    )

    report = paper.paper_upload_report(upload=staged)

    assert (report.accepted, report.already_signed, report.counted) == (4, 2, 2)
    before = selectors.signature_count(petition=petition)
    # Storing forgets the cached count once committed (production caches it for seconds).
    with django_capture_on_commit_callbacks(execute=True):
        paper.paper_upload_confirm(upload=staged, confirmed_by=organiser)
    assert selectors.signature_count(petition=petition) == before + report.counted


def test_uploading_the_same_file_twice_stores_nothing_twice(petition, organiser):
    content = csv_bytes("Name,Address,Postcode", "Ada Lovelace,,CR0 1NY")
    first = upload(petition, organiser, content)
    again = upload(petition, organiser, content, reference="File 1 again")
    paper.paper_upload_confirm(upload=first, confirmed_by=organiser)

    with pytest.raises(ApplicationError, match="already stored"):
        upload(petition, organiser, content, reference="File 1 once more")
    with pytest.raises(ApplicationError, match="already stored"):
        paper.paper_upload_confirm(upload=again, confirmed_by=organiser)
    assert Signature.objects.count() == 1


def test_the_same_file_may_go_to_another_petition(petition, organiser):
    other = PetitionPage.objects.get(pk=SignatureFactory().petition_id)
    content = csv_bytes("Name,Address,Postcode", "Ada Lovelace,,CR0 1NY")
    paper.paper_upload_confirm(upload=upload(petition, organiser, content), confirmed_by=None)
    paper.paper_upload_confirm(upload=upload(other, organiser, content), confirmed_by=None)
    assert Signature.objects.filter(source="paper").count() == 2


def test_an_upload_without_a_reference_is_named_after_its_file(petition, organiser):
    content = csv_bytes("Name,Address,Postcode", "Ada Lovelace,,CR0 1NY")
    staged = upload(petition, organiser, content, name="stall-5.csv", reference="")
    assert staged.reference == "stall-5.csv"


def test_a_file_that_cannot_be_taken_is_not_kept(petition, organiser):
    with pytest.raises(ApplicationError, match="no column headed"):
        upload(petition, organiser, csv_bytes("Name,Postcode", "Ada,CR0 1NY"))
    assert not PaperUpload.objects.exists()


def test_uploads_left_unconfirmed_for_a_day_are_let_go(petition, organiser):
    old = upload(petition, organiser, csv_bytes("Name,Address,Postcode", "Ada,,CR0 1NY"))
    PaperUpload.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    upload(petition, organiser, csv_bytes("Name,Address,Postcode", "Alan,,CR0 1NY"), reference="2")
    assert list(PaperUpload.objects.values_list("reference", flat=True)) == ["2"]


def test_a_sheet_is_stored_whole_or_not_at_all(petition, organiser, monkeypatch):
    content = csv_bytes("Name,Address,Postcode", *[f"Signer {n},,CR0 1NY" for n in range(1200)])
    staged = upload(petition, organiser, content)
    stored_batches = []
    real_batch_store = paper._batch_store

    def fail_on_the_third_batch(petition_id, signatures, now):
        if len(stored_batches) == 2:
            raise RuntimeError("the database went away")
        real_batch_store(petition_id, signatures, now)
        stored_batches.append(len(signatures))

    monkeypatch.setattr(paper, "_batch_store", fail_on_the_third_batch)
    with pytest.raises(RuntimeError):
        paper.paper_upload_confirm(upload=staged, confirmed_by=organiser)

    assert stored_batches == [paper.STORE_BATCH, paper.STORE_BATCH]
    assert not Signature.objects.exists()
    assert not PaperSheet.objects.exists()
    assert PaperUpload.objects.filter(pk=staged.pk).exists()


def test_the_hourly_task_lets_go_of_uploads_nobody_confirmed(petition, organiser, settings):
    old = upload(petition, organiser, csv_bytes("Name,Address,Postcode", "Ada,,CR0 1NY"))
    upload(petition, organiser, csv_bytes("Name,Address,Postcode", "Alan,,CR0 1NY"), reference="2")
    PaperUpload.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(days=2)
    )

    assert paper_uploads_expire_task.enqueue().return_value == 1

    assert list(PaperUpload.objects.values_list("reference", flat=True)) == ["2"]
    schedule = "undersigned.petitions.tasks.paper_uploads_expire_schedule"
    assert schedule in settings.UNDERSIGNED_PERIODIC_TASKS


def test_deleting_a_petition_deletes_its_sheets_with_their_signatures(petition):
    sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")])
    SignatureFactory(petition=petition)

    PetitionPage.objects.get(pk=petition.pk).delete()

    assert not PaperSheet.objects.exists()
    assert not Signature.objects.exists()


def test_a_sheet_with_signatures_cannot_be_deleted_on_its_own(petition):
    sheet = sheet_store(petition, [("Ada Lovelace", "", "CR0 1NY")])
    with pytest.raises(RestrictedError):
        sheet.delete()
