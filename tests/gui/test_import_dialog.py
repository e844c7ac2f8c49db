"""The import dialog: choose a file, see the preview and report, import all or nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from pytestqt.qtbot import QtBot

from ktpe_desktop.imports import (
    ExistingStudent,
    MergePlan,
    RosterFileError,
    RosterPreview,
    compare_with_roster,
    read_roster,
)
from ktpe_desktop.ui.dialogs.import_roster import ImportDialog, PreviewTableModel
from tests.unit.imports import corpus as C

TODAY = date(2024, 9, 1)
NPSN = "20533660"


@dataclass
class FakeImportService:
    """The two calls of ImportService, over an in-memory roster."""

    existing: list[ExistingStudent] = field(default_factory=list)
    commits: list[tuple[RosterPreview, MergePlan, str, str]] = field(default_factory=list)

    def preview(self, path: Path | str, school_npsn: str) -> tuple[RosterPreview, MergePlan]:
        preview = read_roster(path, today=TODAY)
        return preview, compare_with_roster(preview, self.existing, school_npsn=school_npsn)

    def commit(self, preview: RosterPreview, plan: MergePlan, school_npsn: str,
               operator: str) -> Any:  # fmt: skip
        self.commits.append((preview, plan, school_npsn, operator))
        return type("Result", (), {"added": len(plan.new), "changed": len(plan.changed)})()


def _existing(s: C.Student, sid: str, **changes: Any) -> ExistingStudent:
    values: dict[str, Any] = dict(
        student_id=sid, school_npsn=NPSN, name=s.name, nisn=s.nisn, nik=s.nik, kk=s.kk,
        sex=s.sex.value, birth_place=s.birth_place, birth_date=s.birth_date,
        class_name=s.class_name, mother_name=s.mother_name, nipd=s.nipd,
    )  # fmt: skip
    values.update(changes)
    return ExistingStudent(**values)


@pytest.fixture
def roster_file(tmp_path: Path) -> tuple[Path, list[C.Student]]:
    students = C.make_students(40, seed=17)
    no_name = [None] * 66
    no_name[0], no_name[4], no_name[6] = 9, "0071112223", "2007-05-01"
    bad_date = [None] * 66
    bad_date[0], bad_date[1], bad_date[4], bad_date[6] = (
        15,
        "Yoga Pratama",
        "0071112224",
        "31-02-2007",
    )
    bad_nik = [None] * 66
    bad_nik[0], bad_nik[1], bad_nik[4], bad_nik[6], bad_nik[7] = (
        22, "Wulan Sari", "0071112225", "2007-06-02", "3.57301E+15")  # fmt: skip
    path = C.write_dapodik_xlsx(
        tmp_path / "Daftar Peserta Didik SMAN 1 Malang.xlsx", students, nisn_as_number=True,
        blank_rows_after=(12,), totals=True, second_sheet=True,
        extra_rows=[(8, no_name), (14, bad_date), (20, bad_nik)],
    )  # fmt: skip
    return path, students


@pytest.mark.screenshots
def test_preview_report_and_commit(
    qtbot: QtBot, roster_file: tuple[Path, list[C.Student]], docs_path: Any
) -> None:
    path, students = roster_file
    existing = [_existing(s, f"s{i}") for i, s in enumerate(students[:20])]
    existing[3] = _existing(students[3], "s3", class_name="X IPA 9")
    existing[7] = _existing(students[7], "s7", mother_name="Ibu Lama")
    existing.append(_existing(C.make_students(1, seed=500)[0], "gone"))
    service = FakeImportService(existing)
    dialog = ImportDialog(service, NPSN, "koordinator", school_name="SMAN 1 MALANG")
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()

    with qtbot.waitSignal(dialog.previewed, timeout=10_000):
        dialog.load_file(path)
    assert dialog.preview is not None and dialog.plan is not None
    assert len(dialog.preview.held_back) == 3
    assert dialog.rows_model.rowCount() == 43  # every row, held-back ones included
    states = [dialog.rows_model.index(r, PreviewTableModel.COL_STATE).data()
              for r in range(dialog.rows_model.rowCount())]  # fmt: skip
    assert states.count("Ditahan") == 3
    assert dialog.changes_model.rowCount() == 2
    assert dialog.report_model.rowCount() == len(dialog.preview.lines) + len(dialog.plan.lines)
    first_report = dialog.report_model.index(0, 1).data()
    assert first_report == "Kesalahan"  # errors first
    summary = dialog.summary_label.text()
    assert "43 baris siswa" in summary and "3 ditahan" in summary and "20 siswa baru" in summary
    assert "Nama ← Nama" in dialog.columns_label.text()
    assert dialog.import_button.isEnabled()

    dialog.tabs.setCurrentIndex(0)
    # the picture shows an operator's folder, not pytest's (a new name each run)
    dialog.path_edit.setText(rf"C:\Users\Operator\Downloads\{path.name}")
    assert dialog.grab().save(str(docs_path("screenshots/import-dialog.png")))
    dialog.path_edit.setText(str(path))

    report = path.parent / "laporan.csv"
    dialog.write_report(report)
    assert "kesalahan" in report.read_text(encoding="utf-8-sig")
    assert str(report) in dialog.report_saved_label.text()  # says where it went

    with qtbot.waitSignal(dialog.committed, timeout=10_000):
        dialog.import_button.click()
    assert len(service.commits) == 1
    _, plan, npsn, operator = service.commits[0]
    assert (len(plan.new), len(plan.changed), npsn, operator) == (20, 2, NPSN, "koordinator")
    assert not dialog.import_button.isEnabled()  # no second import of the same plan
    assert "Impor selesai" in dialog.summary_label.text()


def test_unreadable_file_shows_the_message(qtbot: QtBot, tmp_path: Path) -> None:
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    service = FakeImportService()
    dialog = ImportDialog(service, NPSN, "koordinator")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as blocker:
        dialog.load_file(bad)
    assert "rusak" in blocker.args[0]
    assert dialog.summary_label.text() == blocker.args[0]
    assert not dialog.import_button.isEnabled()
    assert service.commits == []
    assert issubclass(RosterFileError, Exception)
