"""Rough edges of the recording screen (issue 11): shortcuts from the search field,
focus after login, feedback when offline, the status bar at 1366 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ktpe_desktop.ui import ops
from ktpe_desktop.ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_after_login_hari_ini_has_the_focus(qtbot: Any, window: MainWindow) -> None:
    w = window
    assert w.today_page is not None and w.tabs is not None
    assert w.tabs.currentWidget() is w.today_page
    qtbot.waitUntil(w.today_page.table.hasFocus)  # nobody clicked or pressed Tab
    assert w.today_page.table.currentIndex().isValid()
    school = w.today_page.model._rows[w.today_page.table.currentIndex().row()]
    qtbot.keyClick(w.today_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.tabs is not None and w.tabs.currentWidget() is w.roster)
    assert w.school is not None and w.school.npsn == school.npsn


def test_ctrl_e_and_ctrl_h_work_from_the_search_field(qtbot: Any, window: MainWindow) -> None:
    from ktpe_desktop.ui.dialogs.history import HistoryDialog
    from ktpe_desktop.ui.dialogs.student_form import StudentFormDialog

    w = window
    assert w.today_page is not None
    w.choose_school(w.today_page.model._rows[0])
    roster = w.roster
    assert roster is not None
    qtbot.waitUntil(lambda: roster.model.rowCount() > 0)
    roster.focus_search()
    qtbot.waitUntil(roster.search.hasFocus)
    qtbot.keyClick(roster.search, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(StudentFormDialog)))
    next(d for d in w.findChildren(StudentFormDialog) if d.isVisible()).reject()
    roster.focus_search()
    qtbot.keyClick(roster.search, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(HistoryDialog)))
    next(d for d in w.findChildren(HistoryDialog) if d.isVisible()).reject()
    ops.wait_for_done(10_000)


def test_sync_while_offline_says_why(qtbot: Any, window: MainWindow) -> None:
    w = window
    assert w.sync_driver is not None
    w.sync_driver.online = False
    w.sync_now()
    assert "Luring" in w.toast.text()


def test_a_long_message_never_pushes_the_sync_bar_out(qtbot: Any, window: MainWindow) -> None:
    w = window
    w.resize(1366, 768)
    w.show_toast("Tersimpan: " + "NAMA SANGAT PANJANG SEKALI " * 8 + "— Terekam")
    qtbot.wait(50)
    bar = w.sync_widget
    right = bar.mapTo(w, bar.rect().topRight()).x()
    assert bar.isVisible() and right <= w.width()
    assert bar.button.isVisible() and bar.pending_label.isVisible()
    assert w.toast.toolTip().startswith("Tersimpan")
    shown = QLabel.text(w.toast)  # ends in "…" inside the status bar's padding
    assert shown.endswith("…")
    assert w.toast.fontMetrics().horizontalAdvance(shown) <= w.toast.contentsRect().width()


def test_save_as_opens_in_documents_then_in_the_last_folder(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    w = window
    offered: list[str] = []
    chosen = tmp_path / "laporan" / "rekap.pdf"
    chosen.parent.mkdir()

    def ask(_parent: Any, _title: str, start: str, _pattern: str) -> tuple[str, str]:
        offered.append(start)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    w.report("daily")
    qtbot.waitUntil(chosen.exists)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert Path(offered[0]).parent == Path(documents)  # not the process's working folder
    w.report("daily")
    ops.wait_for_done(10_000)
    assert Path(offered[1]).parent == chosen.parent  # remembered


def test_the_history_header_follows_an_undo(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtCore import QTimer

    from ktpe_desktop.core.events import EventKind, Status
    from ktpe_desktop.ui.dialogs.history import HistoryDialog
    from ktpe_desktop.ui.dialogs.void import VoidDialog

    w = window
    ws = w.workspace
    assert ws is not None and w.today_page is not None
    student = next(s for s in ws.search(None, "", limit=100) if s.status == Status.PENDING)
    ws.record_outcome(student.id, EventKind.ABSENT)
    recorded = ws.student(student.id)
    assert recorded is not None
    dialog = w.show_history(recorded)
    assert isinstance(dialog, HistoryDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert "Tidak Hadir" in dialog.head.text()

    def give_reason() -> None:
        void = next(d for d in dialog.findChildren(VoidDialog) if d.isVisible())
        void.reason.setText("salah pilih siswa")
        void.ok.click()

    QTimer.singleShot(200, give_reason)
    dialog.void_selected()
    qtbot.waitUntil(lambda: "Belum" in dialog.head.text())
    assert "Tidak Hadir" not in dialog.head.text()
    dialog.reject()


def test_quitting_with_unsent_records_reminds_first(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ktpe_desktop.core.events import EventKind, Status

    w = window
    ws = w.workspace
    assert ws is not None and w.sync_driver is not None
    student = next(s for s in ws.search(None, "", limit=100) if s.status == Status.PENDING)
    ws.record_outcome(student.id, EventKind.RECORDED)
    w.sync_driver.refresh_counts()
    qtbot.waitUntil(lambda: w.sync_widget.pending > 0)
    seen: list[str] = []

    def answer(label: str) -> None:
        box = next(b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox))
        seen.append(box.text())
        next(b for b in box.buttons() if label in b.text().replace("&", "")).click()

    QTimer.singleShot(200, lambda: answer("Batal"))
    w.request_quit()
    assert "belum terkirim" in seen[0] and w.isVisible()  # Batal: still open
    QTimer.singleShot(200, lambda: answer("Keluar saja"))
    w.request_quit()
    assert not w.isVisible()


def test_a_sync_problem_is_elided_to_the_room_it_gets(qtbot: Any, window: MainWindow) -> None:
    """With less room than its 360 px (the hub's label beside it in the status bar at
    1366 px), the problem ends in "…" within its label instead of being cut off."""
    w = window
    w.resize(1366, 768)
    label = w.sync_widget.problem_label
    w.sync_widget.set_problem("Laptop belum terdaftar di server (Berkas → Daftarkan ke server…)")
    for hub in ("", "Hub: tidak terjangkau — tetap bekerja luring"):
        w.hub_label.setText(hub)
        w.hub_label.setVisible(bool(hub))
        qtbot.waitUntil(lambda: label.isVisible())
        qtbot.wait(30)
        shown = QLabel.text(label)  # what is drawn (the label's text() is the whole)
        room = label.contentsRect().width()  # inside the status bar's padding
        assert label.fontMetrics().horizontalAdvance(shown) <= room, (hub, shown)
        assert 40 <= label.width() <= 360
    assert shown.endswith("…") and shown.startswith("⚠ Laptop")
    assert "Daftarkan" in label.toolTip() and "Klik" in label.toolTip()
