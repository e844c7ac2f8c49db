"""A whole recording day, driven from the keyboard with qtbot.

Login, choose today's school, find a student by a spelling variant, scan a NISN +
Enter, mark every outcome, add a walk-in, undo, auto-lock and unlock, and watch the
sync state while the embedded server is stopped and started again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ktpe_desktop.core.events import EventKind, Status
from ktpe_desktop.services.demo_mode import DEMO_PASSWORD, DEMO_USER, DemoSession, prepare_demo
from ktpe_desktop.services.views import StudentItem
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.ui.main_window import MainWindow
from tests.gui.conftest import close_window, started_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

# Spelling pairs of the name search: the roster spelling -> what an operator types.
VARIANTS = {
    "MUHAMMAD": "moch",
    "MOCH.": "muhamad",
    "MOCHAMAD": "muhammad",
    "ACHMAD": "ahmad",
    "AHMAD": "achmad",
    "RIZKY": "rizki",
    "RIZKI": "rizky",
}


@pytest.fixture
def demo(data_dir: Path) -> Iterator[DemoSession]:
    session = prepare_demo(data_dir)
    session.workspace.close()
    assert session.server is not None, session.notes
    yield session
    session.stop()


@pytest.fixture
def window(qtbot: Any, demo: DemoSession) -> Iterator[MainWindow]:
    w = started_window(qtbot, demo.data_dir, demo_credentials=(DEMO_USER, DEMO_PASSWORD))
    yield w
    close_window(w)


def login(qtbot: Any, w: MainWindow, password: str = DEMO_PASSWORD) -> None:
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.login)
    w.login.password.clear()
    qtbot.keyClicks(w.login.password, password)
    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        qtbot.keyClick(w.login.password, Qt.Key.Key_Return)


def roster_ready(qtbot: Any, w: MainWindow) -> None:
    assert w.roster is not None
    roster = w.roster
    qtbot.waitUntil(
        lambda: roster.painted_generation == roster.generation and roster.model.rowCount() > 0
    )


def type_search(qtbot: Any, w: MainWindow, text: str) -> None:
    assert w.roster is not None
    w.roster.search.selectAll()
    qtbot.keyClicks(w.roster.search, text)
    roster_ready(qtbot, w)


def save_with(qtbot: Any, w: MainWindow, key: Qt.Key, *, extra: Any = None) -> Any:
    dialog = w.outcome_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as blocker:
        qtbot.keyClick(dialog, key)
        if extra is not None:
            extra(dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    return blocker.args[0]


def fresh(ws_dir: Path) -> Workspace:
    # Another connection, read-only: the window's process owns the folder.
    from ktpe_desktop.services.session import open_store_readonly

    return Workspace(open_store_readonly(ws_dir, DEMO_USER, DEMO_PASSWORD))


def test_a_whole_recording_day(qtbot: Any, window: MainWindow, demo: DemoSession) -> None:
    w = window
    # The demo banner tells a newcomer how to log in.
    assert DEMO_PASSWORD in w.login.demo_banner.text()

    # --- a wrong password first: refused, then the right one
    w.login.password.clear()
    qtbot.keyClicks(w.login.password, "salah-sandi")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "salah" in w.login.message.text().lower())
    login(qtbot, w)
    assert w.workspace is not None and w.workspace.user.is_lead

    # --- Hari ini: the team's schools for today, choose one with the keyboard
    assert w.today_page is not None and w.tabs is not None
    qtbot.waitUntil(lambda: w.today_page.model.rowCount() == 5)
    w.show_tab(0)
    w.today_page.table.setFocus()
    w.today_page.table.selectRow(0)
    school = w.today_page.selected_school()
    assert school is not None and school.pending == school.total > 0
    qtbot.keyClick(w.today_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.roster)
    roster_ready(qtbot, w)
    assert w.roster is not None
    roster = w.roster
    assert roster.search.hasFocus()
    assert roster.tiles["pending"].value.text() == str(school.pending)

    students = w.workspace.search(school.npsn, "", limit=500)

    # --- 1. search by a spelling variant, Enter, Enter = Terekam
    target, typed = _variant_target(students)
    type_search(qtbot, w, typed)
    ids = [s.id for s in roster.model.items()]
    assert target.id in ids, f"{typed!r} did not find {target.name!r}"
    roster.table.selectRow(ids.index(target.id))
    qtbot.keyClick(roster.search, Qt.Key.Key_Return)
    saved = save_with(qtbot, w, Qt.Key.Key_Return)
    assert saved.kind == EventKind.RECORDED and saved.student_id == target.id
    assert "Tersimpan" in w.toast.text() and target.name in w.toast.text()
    assert target.nik not in w.toast.text()
    qtbot.waitUntil(roster.search.hasFocus)
    assert roster.search.selectedText() == roster.search.text()  # next scan replaces it
    row = roster.model.row_of(target.id)
    assert roster.model.item(row).status == Status.RECORDED
    qtbot.waitUntil(lambda: roster.tiles["done"].value.text() == "1")

    # durable: another connection reads it back
    check = fresh(demo.data_dir)
    try:
        assert check.student(target.id).status == Status.RECORDED
    finally:
        check.close()

    # --- 2. scan a NISN + Enter: the student opens at once; F2 = Sudah Terekam Sebelumnya
    pending = [s for s in students if s.id != target.id and s.nisn]
    scanned = pending[0]
    roster.search.selectAll()
    qtbot.keyClicks(roster.search, scanned.nisn)
    qtbot.keyClick(roster.search, Qt.Key.Key_Return)
    assert w.outcome_dialog.student.id == scanned.id
    saved = save_with(qtbot, w, Qt.Key.Key_F2)
    assert saved.kind == EventKind.ALREADY_RECORDED

    # --- 3. every other outcome, each from its key
    def open_student(item: StudentItem) -> None:
        roster.search.selectAll()
        qtbot.keyClicks(roster.search, item.nisn)
        qtbot.keyClick(roster.search, Qt.Key.Key_Return)
        qtbot.waitUntil(w.outcome_dialog.isVisible)

    absent, young, failed = pending[1], pending[2], pending[3]
    open_student(absent)
    assert save_with(qtbot, w, Qt.Key.Key_F3).kind == EventKind.ABSENT
    open_student(young)
    assert save_with(qtbot, w, Qt.Key.Key_F4).status == Status.NOT_ELIGIBLE

    open_student(failed)

    def pick_reason(dialog: Any) -> None:
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_Down)  # Data tidak sesuai
        dialog.note.setText("KK lama")
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_Return)

    saved = save_with(qtbot, w, Qt.Key.Key_F5, extra=pick_reason)
    assert saved.status == Status.FAILED
    history = w.workspace.history(failed.id)
    assert history[-1].reason == "data_mismatch" and history[-1].note == "KK lama"

    open_student(target)  # already recorded: Enter saves nothing, F6 activates IKD
    assert not w.outcome_dialog.banner.isHidden()
    qtbot.keyClick(w.outcome_dialog, Qt.Key.Key_Return)
    assert w.outcome_dialog.isVisible()
    assert save_with(qtbot, w, Qt.Key.Key_F6).kind == EventKind.IKD_ACTIVATED

    qtbot.waitUntil(lambda: roster.tiles["absent"].value.text() == "1")
    qtbot.waitUntil(lambda: roster.tiles["failed"].value.text() == "1")

    # --- 4. a walk-in: identifiers checked as typed, errors block saving
    roster.search.selectAll()
    qtbot.keyClicks(roster.search, "dewi anggraini")
    qtbot.keyClick(roster, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = next(d for d in w.findChildren(type(_walk_in_type())) if d.isVisible())
    assert form.name.text() == "DEWI ANGGRAINI"
    qtbot.keyClicks(form.nisn, "123456789")  # 9 digits
    qtbot.waitUntil(lambda: "10 digit" in form.feedback["nisn"].text())
    assert not form.save_button.isEnabled()
    qtbot.keyClicks(form.nisn, "0")
    qtbot.keyClicks(form.nik, "3573015505080001")  # a woman born 15-05-2008
    form.sex.setCurrentIndex(form.sex.findData("L"))  # disagrees with the NIK: a warning
    qtbot.waitUntil(form.save_button.isEnabled)
    assert "⚠" in form.feedback["nik"].text()
    with qtbot.waitSignal(w.outcome_dialog.saved, timeout=10_000, raising=False):
        qtbot.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(w.outcome_dialog.isVisible)
        assert w.outcome_dialog.student.name == "DEWI ANGGRAINI"
        qtbot.keyClick(w.outcome_dialog, Qt.Key.Key_Return)
    walk_in = w.outcome_dialog.student
    assert walk_in.walk_in
    assert w.workspace.student(walk_in.id).status == Status.RECORDED

    # --- 5. undo my last outcome (the walk-in's recording), with a reason
    qtbot.keyClick(roster, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    from ktpe_desktop.ui.dialogs.void import VoidDialog

    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(VoidDialog)))
    void = next(d for d in w.findChildren(VoidDialog) if d.isVisible())
    qtbot.keyClicks(void.reason, "salah siswa")
    qtbot.keyClick(void.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.workspace.student(walk_in.id).status == Status.PENDING)
    qtbot.waitUntil(lambda: "Dibatalkan" in w.toast.text())
    kinds = [h.kind for h in w.workspace.history(walk_in.id)]
    assert kinds[-1] == EventKind.VOIDED

    # --- 6. auto-lock after idling, then unlock from the lock screen
    with qtbot.waitSignal(w.locked, timeout=5_000):
        w.idle.set_interval_ms(200)
    assert w.stack.currentWidget() is w.login
    assert not w.login.mode_label.isHidden()
    assert not roster.search.text()
    w.idle.set_interval_ms(600_000)
    login(qtbot, w)
    assert w.stack.currentWidget() is w.tabs

    # --- 7. sync: online, then the server stops (offline, pending kept), then back
    sync = w.sync_widget
    with qtbot.waitSignal(w.sync_driver.roundFinished, timeout=20_000):
        qtbot.keyClick(roster.search, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Daring" in sync.online_label.text())
    assert sync.pending == 0
    assert "Terakhir sinkron: —" not in sync.last_label.text()

    port = demo.server.port
    demo.stop()
    open_student(pending[4])
    save_with(qtbot, w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sync.pending >= 1)
    with qtbot.waitSignal(w.sync_driver.roundFinished, timeout=30_000):
        w.sync_now()
    qtbot.waitUntil(lambda: "Luring" in sync.online_label.text())
    assert sync.pending >= 1
    assert not sync.problem_label.isHidden()

    from ktpe_server.embedded import start_embedded

    demo.server = start_embedded(demo.server_db, port=port)
    with qtbot.waitSignal(w.sync_driver.roundFinished, timeout=30_000):
        w.sync_now()
    qtbot.waitUntil(lambda: "Daring" in sync.online_label.text())
    qtbot.waitUntil(lambda: sync.pending == 0)
    assert sync.problem_label.isHidden()


def _walk_in_type() -> Any:
    from ktpe_desktop.ui.dialogs.student_form import StudentFormDialog

    return StudentFormDialog.__new__(StudentFormDialog)


def _variant_target(students: list[StudentItem]) -> tuple[StudentItem, str]:
    for s in students:
        tokens = s.name.split()
        for i, token in enumerate(tokens):
            typed = VARIANTS.get(token)
            if typed and len(tokens) > 1:
                other = tokens[1 - i if i == 0 else 0] if len(tokens) > 1 else ""
                return s, f"{typed} {other.lower().rstrip('.')[:4]}"
    raise AssertionError("no student with a spelling variant in this school")
