"""The SIAK "belum rekam" list turned into a school's target list (generated files)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ktpe_desktop.cli import main
from ktpe_desktop.core.events import Status
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.siak_service import SiakService
from ktpe_desktop.storage import models as m
from tests.conftest import PASSWORD


def write_list(path: Path, niks: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["NIK", "NAMA_LGKP", "KEC"])
        for i, nik in enumerate(niks):
            writer.writerow([nik, f"PENDUDUK {i}", "KLOJEN"])
        writer.writerow(["3573010101990001", "BUKAN SISWA", "SUKUN"])  # not on the roster
    return path


def status_of(store: Any, student_id: str) -> tuple[str, dict[str, Any]]:
    with store.session() as s:
        state = s.get(m.StudentState, student_id)
        event = s.scalars(
            select(m.EventRow).where(m.EventRow.event_id == state.deciding_event_id)
        ).first()
        return str(state.status), dict(event.payload) if event else {}


def test_the_list_marks_who_still_needs_recording(store: Any, factory: Any, tmp_path: Path) -> None:
    npsn = factory.school()
    on_list = factory.student(npsn, name="MASIH PERLU", nik="3573011203070001")
    absent = factory.student(npsn, name="SUDAH DI SIAK", nik="3573011203070002")
    decided = factory.student(npsn, name="SUDAH ADA HASIL", nik="3573011203070003")
    no_nik = factory.student(npsn, name="TANPA NIK", nik=None)
    factory.outcome(decided, "absent")
    path = write_list(tmp_path / "belum-rekam.csv", ["3573011203070001"])
    service = SiakService(store)
    plan = service.preview(path, npsn)
    assert [s.student_id for s in plan.to_record] == [on_list]
    assert [s.student_id for s in plan.already] == [absent]
    assert [s.student_id for s in plan.decided] == [decided]
    assert [s.student_id for s in plan.no_nik] == [no_nik]
    assert plan.list_size == 2
    reported = [ln.message for ln in plan.lines if ln.code == "siak_absent_from_list"]
    assert reported == [
        "Tidak ada di daftar belum rekam (sudah terekam menurut SIAK): SUDAH DI SIAK (XII IPA 1)."
    ]
    assert service.commit(plan, "koordinator") == 1
    status, payload = status_of(store, absent)
    assert status == Status.ALREADY_RECORDED.value and payload["source"] == "siak"
    assert status_of(store, on_list)[0] == Status.PENDING.value
    assert status_of(store, decided)[0] == Status.ABSENT.value  # an outcome is never replaced
    # Undoable like any outcome.
    with store.session() as s:
        event_id = s.get(m.StudentState, absent).deciding_event_id
    RecordingService(store).void(event_id, "SIAK keliru", "koordinator")
    assert status_of(store, absent)[0] == Status.PENDING.value


def test_import_siak_cli(
    store: Any, factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    npsn = factory.school()
    factory.student(npsn, nik="3573011203070002")
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    path = write_list(tmp_path / "l.csv", ["3573011203070001"])
    store.close()  # the command owns the folder now (one owner per data folder)
    argv = ["import-siak", str(path), "--school", npsn, "--data-dir", str(store.data_dir)]
    assert main([*argv, "--dry-run"]) == 0
    assert "1 sudah terekam menurut SIAK" in capsys.readouterr().out
    assert main(argv) == 0
    assert "1 siswa ditandai Sudah Terekam Sebelumnya" in capsys.readouterr().out
    empty = tmp_path / "kosong.csv"
    empty.write_text("NIK;NAMA\n;\n", encoding="utf-8")
    assert (
        main(["import-siak", str(empty), "--school", npsn, "--data-dir", str(store.data_dir)]) == 2
    )


def test_a_list_row_held_back_for_its_date_or_name_is_still_on_the_list(
    store: Any, factory: Any, tmp_path: Path
) -> None:
    """The roster reader holds back a row with an unreadable date or no name; its NIK was
    then missing from the list, and the student on it was marked recorded per SIAK."""
    npsn = factory.school()
    bad_date = factory.student(npsn, name="TANGGAL RUSAK", nik="3573011203070001")
    no_name = factory.student(npsn, name="NAMA KOSONG", nik="3573011203070002")
    twice = factory.student(npsn, name="DUA KALI", nik="3573011203070003")
    absent = factory.student(npsn, name="SUDAH DI SIAK", nik="3573011203070004")
    path = tmp_path / "l.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["NIK", "NAMA_LGKP", "TGL_LHR"])
        writer.writerow(["3573011203070001", "TANGGAL RUSAK", "31-02-2007"])
        writer.writerow(["3573011203070002", "", "12-03-2007"])
        writer.writerow(["3573011203070003", "DUA KALI", "12-03-2007"])
        writer.writerow(["3573011203070003", "DUA KALI B", "13-03-2007"])
    service = SiakService(store)
    plan = service.preview(path, npsn)
    assert sorted(s.student_id for s in plan.to_record) == sorted([bad_date, no_name, twice])
    assert [s.student_id for s in plan.already] == [absent]
    assert plan.list_size == 3 and not plan.unreadable_rows


def test_a_list_with_an_unreadable_nik_marks_nobody(
    store: Any, factory: Any, tmp_path: Path
) -> None:
    """A NIK that Excel turned into a number cannot be read: the list is incomplete, and
    a student absent from it may be on it, so nobody is marked Sudah Terekam."""
    from openpyxl import Workbook

    npsn = factory.school()
    on_list = factory.student(npsn, name="ADA", nik="3573011203070001")
    maybe = factory.student(npsn, name="MUNGKIN ADA", nik="3573011203070002")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["NIK", "NAMA_LGKP"])
    sheet.append(["3573011203070001", "ADA"])
    sheet.append([3.57301e15, "MUNGKIN ADA"])  # the NIK column was not Text
    path = tmp_path / "l.xlsx"
    book.save(path)
    service = SiakService(store)
    plan = service.preview(path, npsn)
    assert [s.student_id for s in plan.to_record] == [on_list]
    assert plan.already == [] and [s.student_id for s in plan.unsure] == [maybe]
    assert plan.unreadable_rows == [3]
    (line,) = [ln for ln in plan.lines if ln.code == "siak_list_incomplete"]
    assert "baris 3" in line.message and "tidak ada siswa yang ditandai" in line.message
    assert "TIDAK ditandai" in plan.summary()
    assert service.commit(plan, "koordinator") == 0
    assert status_of_pending(store, maybe)


def status_of_pending(store: Any, student_id: str) -> bool:
    with store.session() as s:
        state = s.get(m.StudentState, student_id)
        return state is None or state.status == Status.PENDING.value
