"""Rough edges of the recording screen (issue 11): shortcuts from the search field,
focus after login, feedback when offline, the status bar at 1366 px."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

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
