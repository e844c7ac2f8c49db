"""The report actions of the window: print through the system dialog, and the
personal-data warning before an export (the user may step back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ktpe_desktop.reports.printing import Printed
from ktpe_desktop.ui import ops
from tests import timing
from tests.gui.conftest import close_window, logged_in


@pytest.fixture
def window(qtbot: Any, demo_data: Path) -> Any:
    w = logged_in(qtbot, demo_data)
    w.choose_school(w.today_page.model._rows[0])
    ops.wait_for_done(timing.ms(10_000))
    yield w
    close_window(w)


def test_print_opens_the_system_dialog_with_the_school_report(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[Any] = []

    def fake_print(
        parent: Any, report: Any, service: Any, *, paper: str = "A4", title_format: str = ""
    ) -> Printed:
        shown.append((report, paper))
        assert title_format == "Cetak {title}"
        return Printed()

    monkeypatch.setattr("ktpe_desktop.reports.printing.print_document", fake_print)
    window.print_report("berita_acara")
    qtbot.waitUntil(lambda: len(shown) == 1)
    report, paper = shown[0]
    assert report.school.npsn == window.school.npsn
    assert paper in ("A4", "F4")
    qtbot.waitUntil(lambda: "printer" in window.toast.text())


@pytest.mark.parametrize("lang", ["id", "en"])
def test_print_to_file_says_where_the_pdf_is(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lang: str
) -> None:
    """On a laptop without a printer the dialog's only choice is "print to file" (a PDF
    in the home folder): the toast names that file instead of "sent to the printer",
    the audit says pdf, and the dialog's title is in the UI's language."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    from ktpe_desktop.ui.i18n import install_language

    target = tmp_path / "Berita Acara.pdf"
    titles: list[str] = []

    def accept(dialog: QPrintDialog) -> int:
        titles.append(dialog.windowTitle())
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(target))
        return QPrintDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    install_language(lang)
    window.print_report("berita_acara")
    qtbot.waitUntil(lambda: str(target) in window.toast.text(), timeout=timing.ms(10_000))
    assert target.read_bytes().startswith(b"%PDF")
    assert titles[0].startswith("Cetak " if lang == "id" else "Print ")
    from sqlalchemy import select

    from ktpe_desktop.storage import models as m

    with window.workspace.store.transaction() as s:
        printed = s.scalars(
            select(m.AuditLog).where(m.AuditLog.action == m.AuditAction.PRINT)
        ).all()
        assert [(a.detail or {}).get("output") for a in printed] == ["pdf"]
        assert (printed[0].detail or {}).get("destination") == str(target)


def test_export_warns_first_and_cancel_writes_nothing(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    warned: list[str] = []
    asked: list[str] = []

    def warning(_parent: Any, _title: str, text: str, *_a: Any) -> Any:
        warned.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", warning)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_a, **_k: asked.append("x") or ("", "")
    )
    window.report("export")
    assert warned and "UU No. 27 Tahun 2022" in warned[0]
    assert asked == []  # cancelled before choosing a file

    target = tmp_path / "siswa.xlsx"
    monkeypatch.setattr(QMessageBox, "warning", lambda *_a: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    window.report("export")
    qtbot.waitUntil(target.exists, timeout=10_000)
    ops.wait_for_done(timing.ms(10_000))
    assert target.read_bytes()[:2] == b"PK"


def test_siak_list_marks_the_students_absent_from_it(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from ktpe_desktop.storage import models as m

    ws = window.workspace
    npsn = window.school.npsn
    with ws.store.session() as s:
        students = s.execute(
            select(m.Student.id, m.Student.nik)
            .join(m.StudentState, m.StudentState.student_id == m.Student.id)
            .where(m.Student.school_npsn == npsn, m.StudentState.status == "pending")
            .where(m.Student.nik.is_not(None))
        ).all()
    assert len(students) > 2
    listed = [nik for _, nik in students[1:]]  # the first one is not on the list
    path = tmp_path / "belum-rekam.csv"
    path.write_text("NIK;NAMA_LGKP\n" + "".join(f"{n};X\n" for n in listed), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *_a: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", question)
    window.import_siak_list()
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=timing.ms(10_000))
    assert "1 sudah terekam menurut SIAK" in asked[0]
    ops.wait_for_done(timing.ms(10_000))
    with ws.store.session() as s:
        state = s.get(m.StudentState, students[0][0])
        assert state is not None and str(state.status) == "already_recorded"
