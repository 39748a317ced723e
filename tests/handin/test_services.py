"""Building a pack (snapshot, CSV, PDF) in the background, and marking a petition handed in."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from tests.factories import HandinPackFactory, PetitionPageFactory, SignatureFactory
from tests.handin.conftest import file_path
from undersigned.handin import build, services
from undersigned.handin.models import HandinPack, HandinPackStage, HandinPackState
from undersigned.petitions.models import PetitionPage, PetitionState
from undersigned.site.errors import ApplicationError


def read_csv(pack: HandinPack) -> list[list[str]]:
    with file_path(pack.csv_file).open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def built(petition, **kwargs) -> HandinPack:
    pack = HandinPackFactory(petition=petition, **kwargs)
    return build.handin_pack_build(pack=pack)


def test_a_pack_queued_from_the_admin_is_built_by_the_task_and_ends_ready(
    signed_petition, organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pack = services.handin_pack_create(petition=signed_petition, created_by=organiser)
    pack.refresh_from_db()
    assert pack.state == HandinPackState.READY
    assert pack.stage == HandinPackStage.DONE
    assert pack.rows_total == pack.rows_done == 3
    assert pack.progress_percent == 100
    assert pack.signatures_counted == 3
    assert pack.pdf_pages >= 2
    assert pack.started_at <= pack.finished_at
    assert pack.created_by == organiser
    assert file_path(pack.pdf_file).read_bytes().startswith(b"%PDF")


def test_the_csv_lists_only_counted_signatures_numbered_in_signing_order(signed_petition):
    rows = read_csv(built(signed_petition))
    assert rows[0] == [
        "number",
        "name",
        "postcode",
        "ward",
        "signed at",
        "source",
        "paper sheet",
        "collected on",
    ]
    assert [row[:4] for row in rows[1:]] == [
        ["1", "Grace Hopper", "CR0 1NY", "Northfield"],
        ["2", "Alan Turing", "CR0 1NY", "Riverside"],
        ["3", "Mary Seacole", "CR0 1NY", "Northfield"],
    ]
    assert all(len(row[4]) == len("2026-01-31 12:00:00") for row in rows[1:])
    text = file_path(built(signed_petition).csv_file).read_text(encoding="utf-8-sig")
    assert "Ivy Invalid" not in text
    assert "@" not in text


def test_the_csv_has_addresses_only_when_asked_for(signed_petition):
    without = read_csv(built(signed_petition))
    assert not any("Acacia" in cell for row in without for cell in row)

    with_addresses = read_csv(built(signed_petition, include_addresses=True))
    assert with_addresses[0][:6] == ["number", "name", "postcode", "ward", "address", "signed at"]
    assert with_addresses[1][4] == "12 Acacia Avenue, Northfield"


def test_the_csv_disarms_formulas_typed_into_the_sign_form(petition):
    for name in ["=1+1", "+1", "-1", "@SUM(A1)", "x;=1+1", "x\t@SUM(A1)", "Anne-Marie", "-"]:
        SignatureFactory(petition=petition, name=name, address="a;=cmd|' /C calc'!A0")
    pack = built(petition, include_addresses=True)
    rows = read_csv(pack)
    names = [row[1] for row in rows[1:]]
    assert sorted(names) == sorted(
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "x;'=1+1", "x\t'@SUM(A1)", "Anne-Marie", "-"]
    )
    assert {row[4] for row in rows[1:]} == {"a;'=cmd|' /C calc'!A0"}
    text = file_path(pack.csv_file).read_text(encoding="utf-8-sig")
    for separator in [",", ";", "\t"]:
        cells = [cell for row in csv.reader(io.StringIO(text), delimiter=separator) for cell in row]
        assert len(cells) > len(rows)
        assert not [cell for cell in cells if cell.lstrip()[:1] in "=+-@" and cell.strip()[1:]]


def test_a_pack_lists_only_what_was_signed_before_it_started(signed_petition):
    pack = HandinPackFactory(petition=signed_petition)
    assert build.handin_pack_start(pack=pack)
    SignatureFactory(petition=signed_petition, name="Late Comer")
    build.handin_pack_csv_write(pack=pack)
    names = [row[1] for row in read_csv(pack)[1:]]
    assert names == ["Grace Hopper", "Alan Turing", "Mary Seacole"]


def test_a_pack_is_built_once_even_if_its_task_runs_twice(signed_petition):
    pack = built(signed_petition)
    first_csv = pack.csv_file.name
    again = build.handin_pack_build(pack=HandinPack.objects.get(pk=pack.pk))
    assert again.state == HandinPackState.READY
    assert again.csv_file.name == first_csv


def test_a_second_pack_waits_for_the_first_to_finish(signed_petition, organiser):
    services.handin_pack_create(petition=signed_petition, created_by=organiser)
    with pytest.raises(ApplicationError, match="already being built"):
        services.handin_pack_create(petition=signed_petition, created_by=organiser)


def test_no_pack_can_be_built_once_signers_personal_data_is_removed(signed_petition, organiser):
    PetitionPage.objects.filter(pk=signed_petition.pk).update(
        personal_data_purged_at=timezone.now()
    )
    signed_petition.refresh_from_db()
    with pytest.raises(ApplicationError, match="personal data has been removed"):
        services.handin_pack_create(petition=signed_petition, created_by=organiser)


def test_a_build_that_cannot_go_ahead_is_recorded_as_failed_with_the_reason(signed_petition):
    pack = HandinPackFactory(petition=signed_petition)
    PetitionPage.objects.filter(pk=signed_petition.pk).update(
        personal_data_purged_at=timezone.now()
    )
    with pytest.raises(ApplicationError):
        build.handin_pack_build(pack=pack)
    pack.refresh_from_db()
    assert pack.state == HandinPackState.FAILED
    assert "personal data has been removed" in pack.error
    assert pack.finished_at is not None


def test_deleting_a_petitions_packs_deletes_their_files(signed_petition):
    pack = built(signed_petition)
    paths = [file_path(pack.csv_file), file_path(pack.pdf_file)]
    assert all(path.exists() for path in paths)
    assert services.handin_packs_delete(petition=signed_petition) == 1
    assert not any(path.exists() for path in paths)
    assert not HandinPack.objects.exists()


# Marking handed in


def test_handing_in_records_the_date_and_recipient_on_the_live_petition(signed_petition):
    today = timezone.localdate()
    petition = services.petition_hand_in(
        petition=signed_petition, handed_in_at=today, handed_in_to="  the Mayor at Full Council "
    )
    assert petition.state == PetitionState.HANDED_IN
    assert timezone.localtime(petition.handed_in_at).date() == today
    assert petition.handed_in_to == "the Mayor at Full Council"
    live = PetitionPage.objects.get(pk=signed_petition.pk)
    assert live.state == PetitionState.HANDED_IN
    assert live.handed_in_to == "the Mayor at Full Council"


def test_publishing_a_draft_written_before_the_hand_in_keeps_it_handed_in(signed_petition):
    signed_petition.summary = "A sharper summary, written before the hand-in."
    draft = signed_petition.save_revision()
    services.petition_hand_in(
        petition=signed_petition, handed_in_at=timezone.localdate(), handed_in_to="the Mayor"
    )

    draft.publish()

    live = PetitionPage.objects.get(pk=signed_petition.pk)
    assert live.summary == "A sharper summary, written before the hand-in."
    assert live.state == PetitionState.HANDED_IN
    assert live.handed_in_to == "the Mayor"


def test_handing_in_an_open_petition_closes_it(signed_petition):
    assert signed_petition.is_accepting_signatures()
    petition = services.petition_hand_in(
        petition=signed_petition, handed_in_at=timezone.localdate(), handed_in_to="the Mayor"
    )
    assert petition.closed_at is not None
    assert not petition.is_accepting_signatures()


def test_a_petition_cannot_be_handed_in_twice(signed_petition):
    services.petition_hand_in(
        petition=signed_petition, handed_in_at=timezone.localdate(), handed_in_to="the Mayor"
    )
    with pytest.raises(ApplicationError, match="already handed in"):
        services.petition_hand_in(
            petition=signed_petition, handed_in_at=timezone.localdate(), handed_in_to="a clerk"
        )
    assert PetitionPage.objects.get(pk=signed_petition.pk).handed_in_to == "the Mayor"


@pytest.mark.parametrize(
    ("days", "recipient", "message"),
    [
        (1, "the Mayor", "cannot be in the future"),
        (-400, "the Mayor", "before the petition opened"),
        (0, "   ", "Say who received"),
    ],
)
def test_a_hand_in_needs_a_plausible_date_and_a_recipient(petition, days, recipient, message):
    with pytest.raises(ApplicationError, match=message):
        services.petition_hand_in(
            petition=petition,
            handed_in_at=timezone.localdate() + datetime.timedelta(days=days),
            handed_in_to=recipient,
        )
    assert PetitionPage.objects.get(pk=petition.pk).state == PetitionState.OPEN


def test_a_petition_that_never_opened_cannot_be_handed_in(home):
    draft = PetitionPageFactory(live=False)
    with pytest.raises(ApplicationError, match="never opened"):
        services.petition_hand_in(
            petition=draft, handed_in_at=timezone.localdate(), handed_in_to="the Mayor"
        )
